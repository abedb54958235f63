// libpng reports errors by longjmp; these shims keep every setjmp inside C so no Swift
// frame is ever jumped over. Every function is prefixed mm_.
#ifndef MMPREP_CPNG_SHIM_H
#define MMPREP_CPNG_SHIM_H

#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t width;
    uint32_t height;
    int bit_depth;
    int color_type;
    int interlaced;
    int has_trns;
    /// The eXIf chunk, when present (points into a malloc'd copy owned by the result).
    uint8_t *exif;
    size_t exif_size;
    /// RGB or RGBA 8-bit rows, tightly packed; malloc'd, freed by mm_png_result_free.
    uint8_t *pixels;
    int channels;
    char message[256];
} mm_png_result;

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} mm_png_reader;

static void mm_png_read_fn(png_structp png, png_bytep out, png_size_t length) {
    mm_png_reader *r = (mm_png_reader *)png_get_io_ptr(png);
    if (r->offset + length > r->size) {
        png_error(png, "file is truncated");
    }
    memcpy(out, r->data + r->offset, length);
    r->offset += length;
}

static void mm_png_error_fn(png_structp png, png_const_charp msg) {
    mm_png_result *res = (mm_png_result *)png_get_error_ptr(png);
    if (res) {
        strncpy(res->message, msg ? msg : "libpng error", sizeof(res->message) - 1);
        res->message[sizeof(res->message) - 1] = 0;
    }
    png_longjmp(png, 1);
}

static void mm_png_warning_fn(png_structp png, png_const_charp msg) {
    (void)png; (void)msg;
}

static void mm_png_copy_exif(png_structp png, png_infop info, mm_png_result *res) {
#ifdef PNG_eXIf_SUPPORTED
    if (res->exif) return;
    png_bytep exif = NULL; png_uint_32 exif_len = 0;
    if (png_get_eXIf_1(png, info, &exif_len, &exif) && exif && exif_len > 0) {
        res->exif = (uint8_t *)malloc(exif_len);
        if (res->exif) { memcpy(res->exif, exif, exif_len); res->exif_size = exif_len; }
    }
#endif
}

static inline void mm_png_result_free(mm_png_result *res) {
    free(res->pixels); res->pixels = NULL;
    free(res->exif); res->exif = NULL;
}

/// Decodes a PNG held in memory to 8-bit RGB (or RGBA when the image carries alpha or tRNS).
/// 16-bit samples keep their high byte; palettes and low bit depths are expanded.
/// `max_pixels` (width*height) is checked from IHDR before any pixel buffer is allocated.
/// `header_only` stops after IHDR. Returns 0 on success, -1 with `message` set on failure,
/// -2 when the image exceeds `max_pixels`.
static inline int mm_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int header_only,
                                mm_png_result *res) {
    memset(res, 0, sizeof(*res));
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        strcpy(res->message, "not a PNG signature");
        return -1;
    }
    mm_png_reader reader = { data, size, 0 };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, res, mm_png_error_fn, mm_png_warning_fn);
    if (!png) { strcpy(res->message, "png_create_read_struct failed"); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); strcpy(res->message, "png_create_info_struct failed"); return -1; }
    png_bytep *volatile rows = NULL;
    volatile int status = -1;
    if (setjmp(png_jmpbuf(png))) {
        free((void *)rows);
        free(res->pixels); res->pixels = NULL;
        free(res->exif); res->exif = NULL;
        png_destroy_read_struct(&png, &info, NULL);
        return status == -2 ? -2 : -1;
    }
    /* The decoder's own limits, so a hostile file cannot ask for more. */
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_chunk_malloc_max(png, 64u * 1024u * 1024u);
    png_set_read_fn(png, &reader, mm_png_read_fn);
    png_read_info(png, info);
    png_uint_32 w = 0, h = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &w, &h, &bit_depth, &color_type, &interlace, NULL, NULL);
    res->width = w; res->height = h; res->bit_depth = bit_depth; res->color_type = color_type;
    res->interlaced = interlace != PNG_INTERLACE_NONE;
    res->has_trns = png_get_valid(png, info, PNG_INFO_tRNS) ? 1 : 0;
    if ((uint64_t)w * (uint64_t)h > max_pixels) {
        status = -2;
        snprintf(res->message, sizeof(res->message), "image is %ux%u, above the limit of %llu pixels",
                 (unsigned)w, (unsigned)h, (unsigned long long)max_pixels);
        png_longjmp(png, 1);
    }
    mm_png_copy_exif(png, info, res);
    if (header_only) {
        png_destroy_read_struct(&png, &info, NULL);
        return 0;
    }
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (res->has_trns) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) png_set_strip_16(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (channels != 3 && channels != 4) {
        snprintf(res->message, sizeof(res->message), "unexpected channel count %d after expansion", channels);
        png_longjmp(png, 1);
    }
    res->channels = channels;
    res->pixels = (uint8_t *)malloc(rowbytes * h);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * h);
    if (!res->pixels || !rows) {
        strcpy(res->message, "out of memory");
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < h; y++) rows[y] = res->pixels + y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, info);
    mm_png_copy_exif(png, info, res);
    free((void *)rows);
    png_destroy_read_struct(&png, &info, NULL);
    status = 0;
    return 0;
}

/// Encodes 8-bit RGB rows to a PNG file. Returns 0 on success.
static inline int mm_png_write_rgb(const char *path, const uint8_t *rgb, uint32_t width, uint32_t height,
                                   char *message, size_t message_size) {
    FILE *fp = fopen(path, "wb");
    if (!fp) { snprintf(message, message_size, "cannot open for writing"); return -1; }
    mm_png_result err; memset(&err, 0, sizeof(err));
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, mm_png_error_fn, mm_png_warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) { fclose(fp); snprintf(message, message_size, "libpng init failed"); return -1; }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(fp);
        snprintf(message, message_size, "%s", err.message);
        return -1;
    }
    png_init_io(png, fp);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(rgb + (size_t)y * width * 3));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(fp) != 0) { snprintf(message, message_size, "close failed"); return -1; }
    return 0;
}

#endif
