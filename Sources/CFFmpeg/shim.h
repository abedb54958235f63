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
#include <errno.h>
#include <unistd.h>

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

/// Reading an input through a descriptor mmprep opened itself: FFmpeg never sees a file name,
/// so '%d', ':', a leading '-' or non-UTF-8 bytes in it cannot be misread. Reads fail with
/// AVERROR_EXIT once the deadline (av_gettime_relative() microseconds, 0 = none) has passed.
typedef struct mm_fd_input {
    int fd;
    int64_t size;
    const int64_t *deadline;
    /// errno of the last failed read or seek (0 = none): a real I/O error, as opposed to
    /// FFmpeg's AVERROR(EIO) for damaged data.
    int last_errno;
} mm_fd_input;

static inline int mm_fd_read(void *opaque, uint8_t *buf, int n) {
    mm_fd_input *in = (mm_fd_input *)opaque;
    if (mm_interrupt_cb((void *)in->deadline)) return AVERROR_EXIT;
    ssize_t r;
    do { r = read(in->fd, buf, (size_t)n); } while (r < 0 && errno == EINTR);
    if (r == 0) return AVERROR_EOF;
    if (r < 0) { in->last_errno = errno; return AVERROR(errno); }
    return (int)r;
}

static inline int64_t mm_fd_seek(void *opaque, int64_t offset, int whence) {
    mm_fd_input *in = (mm_fd_input *)opaque;
    if (whence & AVSEEK_SIZE) return in->size;
    whence &= ~AVSEEK_FORCE;
    off_t r = lseek(in->fd, (off_t)offset, whence);
    if (r < 0) { in->last_errno = errno; return AVERROR(errno); }
    return (int64_t)r;
}

/// An AVIOContext over `fd` (which it owns from now on: mm_fd_avio_free closes it), or NULL.
static inline AVIOContext *mm_fd_avio_alloc(int fd, int64_t size, const int64_t *deadline) {
    const int buffer_size = 1 << 16;
    uint8_t *buffer = (uint8_t *)av_malloc(buffer_size);
    mm_fd_input *in = (mm_fd_input *)av_mallocz(sizeof(mm_fd_input));
    if (!buffer || !in) { av_free(buffer); av_free(in); return NULL; }
    in->fd = fd;
    in->size = size;
    in->deadline = deadline;
    AVIOContext *pb = avio_alloc_context(buffer, buffer_size, 0, in, mm_fd_read, NULL, mm_fd_seek);
    if (!pb) { av_free(buffer); av_free(in); return NULL; }
    return pb;
}

/// errno of the last failed read or seek on an AVIOContext from mm_fd_avio_alloc, or 0.
static inline int mm_fd_avio_errno(AVIOContext *pb) {
    if (!pb || !pb->opaque) return 0;
    return ((mm_fd_input *)pb->opaque)->last_errno;
}

/// Frees an AVIOContext from mm_fd_avio_alloc and closes its descriptor.
static inline void mm_fd_avio_free(AVIOContext **pb) {
    if (!pb || !*pb) return;
    mm_fd_input *in = (mm_fd_input *)(*pb)->opaque;
    if (in) { close(in->fd); av_free(in); }
    av_freep(&(*pb)->buffer);
    avio_context_free(pb);
}

/// Refuses every file a demuxer would open besides the input (playlists, references, segments).
static inline int mm_io_open_refused(struct AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
                                     AVDictionary **options) {
    (void)s; (void)pb; (void)url; (void)flags; (void)options;
    return AVERROR(EPERM);
}

/// Detects the container from the first `probesize` bytes of `pb` (no file name, so no extension
/// hints). Returns the score, or AVERROR_INVALIDDATA when nothing matches.
static inline int mm_probe_format(AVIOContext *pb, const AVInputFormat **fmt, unsigned probesize) {
    return av_probe_input_buffer2(pb, fmt, "", NULL, 0, probesize);
}

/// Opens `ctx` on `pb` with the demuxer `fmt` (custom I/O, nested opens refused). Returns
/// avformat_open_input's result; on failure the context is freed (pb is not).
static inline int mm_open_custom_input(AVFormatContext **ctx, AVIOContext *pb, const AVInputFormat *fmt,
                                       AVDictionary **options) {
    (*ctx)->pb = pb;
    (*ctx)->flags |= AVFMT_FLAG_CUSTOM_IO;
    (*ctx)->io_open = mm_io_open_refused;
    return avformat_open_input(ctx, "mmprep-input", fmt, options);
}

/// The name of the decoder FFmpeg would use for a codec name ("av1" -> "libdav1d"), or NULL.
static inline const char *mm_decoder_name_for(const char *codec_name) {
    const AVCodecDescriptor *d = avcodec_descriptor_get_by_name(codec_name);
    if (!d) return NULL;
    const AVCodec *c = avcodec_find_decoder(d->id);
    return c ? c->name : NULL;
}

/// Find-stream-info with the same options (e.g. max_pixels) for every stream the header declared.
static inline int mm_find_stream_info(AVFormatContext *ctx, const AVDictionary *per_stream) {
    unsigned n = ctx->nb_streams;
    if (n == 0) return avformat_find_stream_info(ctx, NULL);
    AVDictionary **opts = (AVDictionary **)av_calloc(n, sizeof(AVDictionary *));
    if (!opts) return AVERROR(ENOMEM);
    for (unsigned i = 0; i < n; i++) av_dict_copy(&opts[i], per_stream, 0);
    int rc = avformat_find_stream_info(ctx, opts);
    for (unsigned i = 0; i < n; i++) av_dict_free(&opts[i]);
    av_free(opts);
    return rc;
}

#endif
