/* SPDX-License-Identifier: ISC */
/*
 * replica: a backup taken on a replica records, with its snapshot, where
 * each of its sources stood: the GTID state it had applied and, per
 * replication connection, the source's binlog file and the position
 * executed.  dbrestore --as-replica-of starts a new replica from them.
 */
#ifndef DBBACKUP_REPLICA_H
#define DBBACKUP_REPLICA_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct backup;

/* One replication connection of the server backed up, at the snapshot. */
struct replica_source {
	char connection[128];	/* "" is the default connection */
	char host[256];
	long long port;
	long long server_id;	/* the source's, 0 when never connected */
	char file[256];		/* the source's binlog: Relay_Master_Log_File */
	long long position;	/* Exec_Master_Log_Pos; -1: not recorded */
	char using_gtid[16];	/* No, Slave_Pos or Current_Pos */
	bool io_running, sql_running;
	long long lag_s;	/* Seconds_Behind_Master; -1: NULL */
	char read_file[256];	/* how far the IO thread has read */
	long long read_position;
};

struct replica_info {
	bool is_replica;
	bool consistent;	/* positions read while no SQL thread commits */
	bool paused;		/* --replica-pause stopped SQL threads */
	char gtid_slave_pos[1024];
	struct replica_source *sources;
	size_t n_sources;
	struct replica_source *stopped;	/* what --replica-pause stopped, as
					   it was before */
	size_t n_stopped;
	double paused_at_ms;	/* when the first was stopped */
	double paused_ms;	/* how long they were stopped */
};

/*
 * With --replica-pause, stops the SQL thread of every replication
 * connection that runs one, and defers SIGINT, SIGTERM and SIGHUP until
 * replica_resume.  0, or -1 with err (nothing left stopped).
 */
int replica_pause(struct backup *b, char *err, size_t errlen);

/*
 * Reads the replication state, once no SQL thread can commit (the lock
 * is held, or they are paused): unchanged across two reads.  A server
 * that is no replica leaves b->replica.is_replica false.  0, or -1 with
 * err.
 */
int replica_read(struct backup *b, char *err, size_t errlen);

/*
 * Starts again the SQL threads replica_pause stopped, whatever happened
 * meanwhile, then delivers a deferred signal.  A thread that does not
 * start is a warning naming the statement to run.
 */
void replica_resume(struct backup *b);

/* The manifest's snapshot.replica: null when the server is no replica. */
json_t *replica_json(const struct replica_info *r);

void replica_free(struct replica_info *r);

#endif
