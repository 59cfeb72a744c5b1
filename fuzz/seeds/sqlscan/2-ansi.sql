select "db"."t" from "db".v where @@session.x and @a.b
