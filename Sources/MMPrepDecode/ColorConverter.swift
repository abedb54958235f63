import CFFmpeg
import MMPrepCore

/// YUV (or any FFmpeg pixel format) to packed RGB24 at the native size, exactly as
/// torchcodec converts: libswscale bicubic, the frame's own colour matrix for both tables,
/// and the frame's range (swscale's default for the format when unspecified).
final class ColorConverter {
    private var context: OpaquePointer?
    private var key: (w: Int32, h: Int32, fmt: Int32, space: Int32, range: Int32)?
    private let file: String
    /// Scratch destination with padded rows; swscale may write a little past a row's end.
    private var scratch: [UInt8] = []

    init(file: String) throws(DecodeError) {
        self.file = file
    }

    deinit {
        if let c = context { sws_freeContext(c) }
    }

    /// The swscale colour-table id for an `AVColorSpace`. Like torchcodec, the frame's value
    /// is passed straight to `sws_getCoefficients`, which maps 0 and 1 to BT.709, 4 to FCC,
    /// 7 to SMPTE-240M, 9 and 10 to BT.2020 and everything else to BT.601.
    static func swsColorspace(_ space: AVColorSpace) -> Int32 {
        Int32(bitPattern: space.rawValue)
    }

    func convert(_ frame: UnsafeMutablePointer<AVFrame>) throws(DecodeError) -> RGBImage {
        let w = frame.pointee.width, h = frame.pointee.height
        let fmt = frame.pointee.format
        let space = Self.swsColorspace(frame.pointee.colorspace)
        let rangeRaw = frame.pointee.color_range
        let srcFull: Int32
        if rangeRaw == AVCOL_RANGE_JPEG { srcFull = 1 }
        else if rangeRaw == AVCOL_RANGE_MPEG { srcFull = 0 }
        else { srcFull = mm_pix_fmt_is_yuvj(fmt) != 0 ? 1 : 0 }
        if key == nil || key! != (w, h, fmt, space, srcFull) {
            if let c = context { sws_freeContext(c) }
            context = sws_getContext(w, h, AVPixelFormat(rawValue: fmt), w, h, AV_PIX_FMT_RGB24,
                                     mm_sws_bicubic(), nil, nil, nil)
            guard let ctx = context else {
                key = nil
                throw DecodeError(file: file, reason: .unsupportedFormat, call: "sws_getContext",
                                  message: "cannot convert \(String(cString: mm_pix_fmt_name(fmt))) \(w)x\(h) to RGB")
            }
            let table = sws_getCoefficients(space)
            var inv: UnsafeMutablePointer<Int32>? = nil, tbl: UnsafeMutablePointer<Int32>? = nil
            var curSrcRange: Int32 = 0, curDstRange: Int32 = 0, b: Int32 = 0, c: Int32 = 0, s: Int32 = 0
            sws_getColorspaceDetails(ctx, &inv, &curSrcRange, &tbl, &curDstRange, &b, &c, &s)
            sws_setColorspaceDetails(ctx, table, srcFull, table, curDstRange, 0, 1 << 16, 1 << 16)
            key = (w, h, fmt, space, srcFull)
        }
        let width = Int(w), height = Int(h)
        let stride = (width * 3 + 63) & ~63
        let needed = stride * (height + 1) + 64
        if scratch.count < needed { scratch = [UInt8](repeating: 0, count: needed) }
        let rc: Int32 = scratch.withUnsafeMutableBufferPointer { buf in
            var dst: [UnsafeMutablePointer<UInt8>?] = [buf.baseAddress, nil, nil, nil]
            var dstStride: [Int32] = [Int32(stride), 0, 0, 0]
            let src: [UnsafePointer<UInt8>?] = withUnsafeBytes(of: &frame.pointee.data) { raw in
                let p = raw.bindMemory(to: UnsafeMutablePointer<UInt8>?.self)
                return (0..<4).map { UnsafePointer(p[$0]) }
            }
            let srcStride: [Int32] = withUnsafeBytes(of: &frame.pointee.linesize) { raw in
                Array(raw.bindMemory(to: Int32.self).prefix(4))
            }
            return sws_scale(context, src, srcStride, 0, h, &dst, &dstStride)
        }
        guard rc == h else {
            throw DecodeError(file: file, reason: .corrupt, call: "sws_scale", message: "converted \(rc) of \(h) rows")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { out in
            scratch.withUnsafeBufferPointer { src in
                for y in 0..<height {
                    (out.baseAddress! + y * width * 3).update(from: src.baseAddress! + y * stride, count: width * 3)
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
