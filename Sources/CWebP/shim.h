// libwebp's simple decoding API. Every function is prefixed mm_.
#ifndef MMPREP_CWEBP_SHIM_H
#define MMPREP_CWEBP_SHIM_H
#include <stdint.h>
#include <stddef.h>
#include <webp/decode.h>

/// Reads the bitstream features; returns the VP8StatusCode (0 = OK).
static inline int mm_webp_features(const uint8_t *data, size_t size, int *width, int *height, int *has_alpha,
                                   int *has_animation) {
    WebPBitstreamFeatures f;
    VP8StatusCode s = WebPGetFeatures(data, size, &f);
    if (s != VP8_STATUS_OK) return (int)s;
    *width = f.width; *height = f.height; *has_alpha = f.has_alpha; *has_animation = f.has_animation;
    return 0;
}

/// Decodes to RGBA into a caller-provided buffer. Returns 1 on success.
static inline int mm_webp_decode_rgba(const uint8_t *data, size_t size, uint8_t *out, size_t out_size, int stride) {
    return WebPDecodeRGBAInto(data, size, out, out_size, stride) != NULL;
}
/// Decodes to RGB into a caller-provided buffer. Returns 1 on success.
static inline int mm_webp_decode_rgb(const uint8_t *data, size_t size, uint8_t *out, size_t out_size, int stride) {
    return WebPDecodeRGBInto(data, size, out, out_size, stride) != NULL;
}
#endif
