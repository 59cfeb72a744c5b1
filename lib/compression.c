/* SPDX-License-Identifier: ISC */
/*
 * compression: names, suffixes and levels of the codecs.  zstd stops at
 * 19: its levels 20 to 22 need windows of up to 128 MiB, on both sides,
 * which a restore would then have to allocate for every file.
 */
#include "compression.h"

const char *
compression_name(enum compression c)
{
	switch (c) {
	case COMPRESSION_GZIP:
		return "gzip";
	case COMPRESSION_ZSTD:
		return "zstd";
	case COMPRESSION_NONE:
		break;
	}
	return "none";
}

const char *
compression_suffix(enum compression c)
{
	switch (c) {
	case COMPRESSION_GZIP:
		return ".gz";
	case COMPRESSION_ZSTD:
		return ".zst";
	case COMPRESSION_NONE:
		break;
	}
	return "";
}

int
compression_max_level(enum compression c)
{
	switch (c) {
	case COMPRESSION_GZIP:
		return 12;
	case COMPRESSION_ZSTD:
		return 19;
	case COMPRESSION_NONE:
		break;
	}
	return 0;
}
