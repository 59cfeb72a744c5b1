/* SPDX-License-Identifier: ISC */
/*
 * vars: the global status counters and variables of one server, read in
 * one round trip: those in VAR_TABLE, which checks with code of their
 * own read, and the counters of CHECK_TABLE.
 */
#ifndef DBHEALTH_VARS_H
#define DBHEALTH_VARS_H

#include <stdbool.h>
#include <stddef.h>

#include <mysql.h>

#include "health.h"

/*
 * X(ID, table, NAME): the variable NAME of information_schema's table,
 * GLOBAL_STATUS or GLOBAL_VARIABLES, is value[V_ID].
 */
#define VAR_TABLE(X) \
	X(UPTIME, GLOBAL_STATUS, "UPTIME") \
	X(THREADS_CONNECTED, GLOBAL_STATUS, "THREADS_CONNECTED") \
	X(BP_READS, GLOBAL_STATUS, "INNODB_BUFFER_POOL_READS") \
	X(BP_READ_REQUESTS, GLOBAL_STATUS, "INNODB_BUFFER_POOL_READ_REQUESTS") \
	X(WSREP_CLUSTER_STATUS, GLOBAL_STATUS, "WSREP_CLUSTER_STATUS") \
	X(WSREP_CLUSTER_SIZE, GLOBAL_STATUS, "WSREP_CLUSTER_SIZE") \
	X(WSREP_STATE_COMMENT, GLOBAL_STATUS, "WSREP_LOCAL_STATE_COMMENT") \
	X(WSREP_READY, GLOBAL_STATUS, "WSREP_READY") \
	X(WSREP_RECV_QUEUE, GLOBAL_STATUS, "WSREP_LOCAL_RECV_QUEUE") \
	X(VERSION, GLOBAL_VARIABLES, "VERSION") \
	X(MAX_CONNECTIONS, GLOBAL_VARIABLES, "MAX_CONNECTIONS") \
	X(READ_ONLY, GLOBAL_VARIABLES, "READ_ONLY") \
	X(WSREP_ON, GLOBAL_VARIABLES, "WSREP_ON") \
	X(HOSTNAME, GLOBAL_VARIABLES, "HOSTNAME") \
	X(SERVER_ID, GLOBAL_VARIABLES, "SERVER_ID")

#define VAR_ENUM(id, table, name) V_##id,
enum var { VAR_TABLE(VAR_ENUM) V_COUNT };
#undef VAR_ENUM

struct vars {
	char value[V_COUNT][128];	/* "" when the server has none */
	bool set[V_COUNT];
	double counter[CHECK_COUNT];	/* the counter checks' values */
	bool counter_set[CHECK_COUNT];
};

/* Reads every variable into v (emptied first).  0, or -1 with err. */
int vars_read(MYSQL *m, struct vars *v, char *err, size_t errlen);

/* Variable i as a number, NAN when the server has none. */
double vars_number(const struct vars *v, enum var i);

#endif
