// libjpeg-turbo reports errors through error_exit, which by default calls exit(). These shims
// route it to a longjmp that stays inside C. Every function is prefixed mm_.
#ifndef MMPREP_CJPEG_SHIM_H
#define MMPREP_CJPEG_SHIM_H

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    uint32_t width;
    uint32_t height;
    /// Output components: 1 (grey), 3 (RGB) or 4 (CMYK as stored, not inverted).
    int components;
    /// The JPEG's own colour space (J_COLOR_SPACE), e.g. 3 YCbCr, 4 CMYK, 5 YCCK.
    int jpeg_color_space;
    int progressive;
    int saw_adobe_marker;
    /// The APP1 Exif payload after "Exif\0\0", malloc'd copy, or NULL.
    uint8_t *exif;
    size_t exif_size;
    uint8_t *pixels;
    char message[JMSG_LENGTH_MAX + 64];
} mm_jpeg_result;

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    mm_jpeg_result *result;
} mm_jpeg_error;

static void mm_jpeg_error_exit(j_common_ptr cinfo) {
    mm_jpeg_error *err = (mm_jpeg_error *)cinfo->err;
    char buffer[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buffer);
    snprintf(err->result->message, sizeof(err->result->message), "%s", buffer);
    longjmp(err->jump, 1);
}

static void mm_jpeg_emit_message(j_common_ptr cinfo, int level) {
    /* Warnings (corrupt data, extraneous bytes) are not fatal, as in Pillow; data ending before
       the image does is: Pillow raises "image file is truncated" there. */
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        mm_jpeg_error_exit(cinfo);
    }
}

static inline void mm_jpeg_result_free(mm_jpeg_result *res) {
    free(res->pixels); res->pixels = NULL;
    free(res->exif); res->exif = NULL;
}

/// Decodes a JPEG held in memory with libjpeg-turbo's defaults (integer slow DCT, fancy
/// upsampling) as Pillow does: YCbCr/RGB to RGB, grey to grey, CMYK/YCCK to CMYK.
/// Returns 0 on success, -1 on error, -2 when width*height exceeds max_pixels.
static inline int mm_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int header_only,
                                 mm_jpeg_result *res) {
    memset(res, 0, sizeof(*res));
    struct jpeg_decompress_struct cinfo;
    mm_jpeg_error jerr;
    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = mm_jpeg_error_exit;
    jerr.pub.emit_message = mm_jpeg_emit_message;
    jerr.result = res;
    volatile int status = -1;
    if (setjmp(jerr.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(res->pixels); res->pixels = NULL;
        free(res->exif); res->exif = NULL;
        return status == -2 ? -2 : -1;
    }
    jpeg_create_decompress(&cinfo);
    /* Bound the decoder's memory. */
    cinfo.mem->max_memory_to_use = 1024L * 1024L * 1024L;
    jpeg_mem_src(&cinfo, (const unsigned char *)data, (unsigned long)size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);
    res->width = cinfo.image_width;
    res->height = cinfo.image_height;
    res->jpeg_color_space = cinfo.jpeg_color_space;
    res->progressive = cinfo.progressive_mode ? 1 : 0;
    res->saw_adobe_marker = cinfo.saw_Adobe_marker ? 1 : 0;
    for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 && memcmp(m->data, "Exif\0\0", 6) == 0 && !res->exif) {
            res->exif_size = m->data_length - 6;
            res->exif = (uint8_t *)malloc(res->exif_size);
            if (res->exif) memcpy(res->exif, m->data + 6, res->exif_size); else res->exif_size = 0;
        }
    }
    if ((uint64_t)cinfo.image_width * (uint64_t)cinfo.image_height > max_pixels) {
        status = -2;
        snprintf(res->message, sizeof(res->message), "image is %ux%u, above the limit of %llu pixels",
                 (unsigned)cinfo.image_width, (unsigned)cinfo.image_height, (unsigned long long)max_pixels);
        longjmp(jerr.jump, 1);
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK: case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; break;
    default: cinfo.out_color_space = JCS_RGB; break;
    }
    if (header_only) {
        res->components = cinfo.out_color_space == JCS_GRAYSCALE ? 1 : (cinfo.out_color_space == JCS_CMYK ? 4 : 3);
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    jpeg_start_decompress(&cinfo);
    res->components = cinfo.output_components;
    size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    res->pixels = (uint8_t *)malloc(stride * cinfo.output_height);
    if (!res->pixels) {
        snprintf(res->message, sizeof(res->message), "out of memory");
        longjmp(jerr.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = res->pixels + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    status = 0;
    return 0;
}

#endif
