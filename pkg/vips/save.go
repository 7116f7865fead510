package vips

// #include <stdlib.h>
// #include "vips.h"
import "C"

import (
	"errors"
	"unsafe"
)

// Saver is one of libvips' buffer savers (strata_save's format numbers).
type Saver int

// The savers Strata uses; PNG has its own writer (pkg/pngenc).
const (
	JPEG Saver = 1
	WebP Saver = 2
	TIFF Saver = 3
	GIF  Saver = 4
	AVIF Saver = 5
)

// Saver parameters that are libvips enums.
const (
	TIFFPredictorHorizontal = int(C.VIPS_FOREIGN_TIFF_PREDICTOR_HORIZONTAL)
	HEIFEncoderAOM          = int(C.VIPS_FOREIGN_HEIF_ENCODER_AOM)
)

// Raw is packed 8-bit pixels in C memory, which Save hands to libvips
// without a copy. Free releases it.
type Raw struct {
	p unsafe.Pointer
	n int
}

// NewRaw allocates n bytes of C memory; nil when they cannot be had.
func NewRaw(n int) *Raw {
	p := C.malloc(C.size_t(n))
	if p == nil {
		return nil
	}
	return &Raw{p: p, n: n}
}

// Bytes is the memory as a Go slice, valid until Free.
func (r *Raw) Bytes() []byte { return unsafe.Slice((*byte)(r.p), r.n) }

// Free releases the memory.
func (r *Raw) Free() { C.free(r.p) }

// Save wraps the first w·h·bands bytes of raw (3 bands: RGB, 4: straight
// RGBA) as a libvips image and encodes it with s. p holds the saver's
// parameters: JPEG {quality, optimise coding}, WebP {quality, effort,
// lossless}, TIFF {compression, predictor}, GIF {effort, dither %}, AVIF
// {quality, effort, encoder}. Metadata is stripped.
func Save(s Saver, raw *Raw, w, h, bands int, p [3]int) ([]byte, error) {
	n := w * h * bands
	if n > raw.n {
		return nil, errors.New("vips: save: the pixels are larger than their buffer")
	}
	cp := [3]C.int{C.int(p[0]), C.int(p[1]), C.int(p[2])}
	var out unsafe.Pointer
	var outLen C.size_t
	if C.strata_save(C.int(s), raw.p, C.size_t(n), C.int(w), C.int(h), C.int(bands), &cp[0], &out, &outLen) != 0 {
		return nil, Error("save")
	}
	defer C.g_free(C.gpointer(out))
	return C.GoBytes(out, C.int(outLen)), nil
}
