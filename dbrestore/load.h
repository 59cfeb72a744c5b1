/* SPDX-License-Identifier: ISC */
/*
 * load: the data, with LOAD DATA LOCAL INFILE from the gzip chunks, by
 * workers each on a connection of its own; every chunk must load
 * exactly the rows the manifest counts.
 */
#ifndef DBRESTORE_LOAD_H
#define DBRESTORE_LOAD_H

#include "restore.h"

int load_data(struct restore *r, char *err, size_t errlen);

#endif
