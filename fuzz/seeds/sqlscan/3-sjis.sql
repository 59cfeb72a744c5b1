select '•\', db.t
