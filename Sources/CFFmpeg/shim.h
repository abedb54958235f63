// Shims for FFmpeg macros that Swift cannot import. Every function is prefixed mm_.
#ifndef MMPREP_CFFMPEG_SHIM_H
#define MMPREP_CFFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/dict.h>
#include <libavutil/time.h>
#include <math.h>
#include <stdio.h>
#include <libswscale/swscale.h>

static inline int mm_averror_eof(void) { return AVERROR_EOF; }
static inline int mm_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int mm_averror_enomem(void) { return AVERROR(ENOMEM); }
static inline int mm_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int mm_averror_exit(void) { return AVERROR_EXIT; }
static inline int mm_averror_einval(void) { return AVERROR(EINVAL); }
static inline int64_t mm_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int mm_av_pkt_flag_key(void) { return AV_PKT_FLAG_KEY; }
static inline int mm_av_pkt_flag_discard(void) { return AV_PKT_FLAG_DISCARD; }
static inline int mm_sws_bicubic(void) { return SWS_BICUBIC; }

/// The error text FFmpeg gives for an error code.
static inline void mm_av_strerror(int code, char *buf, size_t size) {
    if (av_strerror(code, buf, size) < 0) {
        snprintf(buf, size, "FFmpeg error %d", code);
    }
}

/// Rotation in degrees (counter-clockwise, as av_display_rotation_get returns) of the
/// stream's display matrix, or NAN when there is none.
static inline double mm_stream_rotation(const AVStream *st) {
    size_t size = 0;
    const uint8_t *data = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!data || size < 9 * sizeof(int32_t)) return NAN;
    return av_display_rotation_get((const int32_t *)data);
}

/// Whether the display matrix flips horizontally (determinant < 0).
static inline int mm_stream_display_flipped(const AVStream *st) {
    size_t size = 0;
    const int32_t *m = (const int32_t *)av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!m || size < 9 * sizeof(int32_t)) return 0;
    double det = (double)m[0] * (double)m[4] - (double)m[1] * (double)m[3];
    return det < 0;
}

static inline const char *mm_pix_fmt_name(int fmt) {
    const char *n = av_get_pix_fmt_name((enum AVPixelFormat)fmt);
    return n ? n : "unknown";
}

static inline int mm_pix_fmt_has_alpha(int fmt) {
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get((enum AVPixelFormat)fmt);
    return d && (d->flags & AV_PIX_FMT_FLAG_ALPHA);
}

static inline int mm_pix_fmt_is_yuvj(int fmt) {
    switch ((enum AVPixelFormat)fmt) {
    case AV_PIX_FMT_YUVJ420P: case AV_PIX_FMT_YUVJ422P: case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_YUVJ440P: case AV_PIX_FMT_YUVJ411P:
        return 1;
    default:
        return 0;
    }
}

/// Interrupt callback: returns 1 once the deadline (av_gettime_relative() microseconds) passed.
static inline int mm_interrupt_cb(void *opaque) {
    const int64_t *deadline = (const int64_t *)opaque;
    return deadline && *deadline > 0 && av_gettime_relative() > *deadline;
}
static inline void mm_set_interrupt(AVFormatContext *ctx, int64_t *deadline) {
    ctx->interrupt_callback.callback = mm_interrupt_cb;
    ctx->interrupt_callback.opaque = deadline;
}

#endif
