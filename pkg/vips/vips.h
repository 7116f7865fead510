// The C functions pkg/vips calls (vips.c).
#ifndef STRATA_VIPS_H
#define STRATA_VIPS_H

#include <stddef.h>
#include <vips/vips.h>

int strata_header(const void *buf, size_t len, int *w, int *h, int *orient, int *icc, int *pages);
int strata_thumbnail_buffer(void *buf, size_t len, VipsImage **out, int w, int h, int crop, int size);
int strata_thumbnail_image(VipsImage *in, VipsImage **out, int w, int h, int crop, int size);
int strata_cover_centre(VipsImage *in, VipsImage **out, int w, int h);
int strata_to_rgba8(VipsImage *in, VipsImage **out, int *opaque);
VipsImage *strata_memory_image(VipsImage *in, void *dst, size_t n);
int strata_write(VipsImage *in, VipsImage *mem);
void strata_kill(VipsImage *im);
int strata_attention(VipsImage *in, int w, int h, int *x, int *y);
VipsImage *strata_from_rgba(const void *pix, size_t n, int w, int h);
VipsImage *strata_from_owned_rgba(void *pix, size_t n, int w, int h);
void strata_lockdown(void);
int strata_has_operation(const char *name);
const char *strata_module_dir(void);
VipsImage *strata_jpeg_scaled(const void *buf, size_t len, int minw, int minh, int *scale);
int strata_save(int fmt, void *pix, size_t len, int w, int h, int bands,
		const int *p, void **out, size_t *outlen);

#endif
