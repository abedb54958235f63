/// The target sizes the Qwen processors compute. All arithmetic in Double, with Python's
/// half-to-even `round`, in the references' order of operations.
public enum SmartResize {
    public struct AspectRatioError: Error, Sendable, CustomStringConvertible {
        public let height: Int
        public let width: Int
        public var description: String {
            let r = Double(max(height, width)) / Double(min(height, width))
            return "absolute aspect ratio must be at most 200, got \(r) (\(width)x\(height))"
        }
    }

    static func roundHalfEven(_ x: Double) -> Double { x.rounded(.toNearestOrEven) }

    /// transformers' `smart_resize` (Qwen2-VL / Qwen2.5-VL / Qwen3-VL image processors).
    public static func transformers(height: Int, width: Int, factor: Int, minPixels: Int, maxPixels: Int)
        throws(AspectRatioError) -> (height: Int, width: Int) {
        let h = Double(height), w = Double(width), f = Double(factor)
        guard height > 0, width > 0, max(h, w) / min(h, w) <= 200 else {
            throw AspectRatioError(height: height, width: width)
        }
        var hb = roundHalfEven(h / f) * f
        var wb = roundHalfEven(w / f) * f
        if hb * wb > Double(maxPixels) {
            let beta = ((h * w) / Double(maxPixels)).squareRoot()
            hb = max(f, (h / beta / f).rounded(.down) * f)
            wb = max(f, (w / beta / f).rounded(.down) * f)
        } else if hb * wb < Double(minPixels) {
            let beta = (Double(minPixels) / (h * w)).squareRoot()
            hb = (h * beta / f).rounded(.up) * f
            wb = (w * beta / f).rounded(.up) * f
        }
        return (Int(hb), Int(wb))
    }

    /// qwen-vl-utils' `smart_resize`: clamps the rounded size to at least `factor`, and
    /// floors without that clamp.
    public static func qwenVLUtils(height: Int, width: Int, factor: Int, minPixels: Double, maxPixels: Double)
        throws(AspectRatioError) -> (height: Int, width: Int) {
        let h = Double(height), w = Double(width), f = Double(factor)
        guard height > 0, width > 0, max(h, w) / min(h, w) <= 200 else {
            throw AspectRatioError(height: height, width: width)
        }
        var hb = max(f, roundHalfEven(h / f) * f)
        var wb = max(f, roundHalfEven(w / f) * f)
        if hb * wb > maxPixels {
            let beta = ((h * w) / maxPixels).squareRoot()
            hb = ((h / beta) / f).rounded(.down) * f
            wb = ((w / beta) / f).rounded(.down) * f
        } else if hb * wb < minPixels {
            let beta = (minPixels / (h * w)).squareRoot()
            hb = ((h * beta) / f).rounded(.up) * f
            wb = ((w * beta) / f).rounded(.up) * f
        }
        return (Int(hb), Int(wb))
    }

    /// The per-frame bounds of qwen-vl-utils' `fetch_video` for `frames` sampled frames:
    /// `max(min(frameMax, totalPixels / n * 2), int(minPixels * 1.05))`, optionally capped by
    /// a requested `max_pixels`. Defaults: frameMax 768 f^2, minPixels 128 f^2,
    /// totalPixels 0.9 * 128000 f^2.
    public static func qwenVLUtilsVideoBounds(frames: Int, minPixels: Double, frameMaxPixels: Double,
                                              totalPixels: Double, requestedMax: Double? = nil)
        -> (minPixels: Double, maxPixels: Double) {
        var maxP = max(min(frameMaxPixels, totalPixels / Double(frames) * 2), Double(Int(minPixels * 1.05)))
        if let requested = requestedMax { maxP = min(requested, maxP) }
        return (minPixels, maxP)
    }

    /// transformers' Qwen3-VL video `smart_resize`: the bounds apply to the whole clip.
    /// Frames smaller than `factor` are first scaled up (with truncation).
    public static func qwen3Video(frames: Int, height: Int, width: Int, temporalFactor: Int, factor: Int,
                                  minPixels: Int, maxPixels: Int) throws(AspectRatioError) -> (height: Int, width: Int) {
        var hi = height, wi = width
        if hi < factor || wi < factor {
            let scale = max(Double(factor) / Double(hi), Double(factor) / Double(wi))
            hi = Int(Double(hi) * scale)
            wi = Int(Double(wi) * scale)
        }
        let h = Double(hi), w = Double(wi), f = Double(factor), t = Double(frames)
        guard hi > 0, wi > 0, max(h, w) / min(h, w) <= 200 else {
            throw AspectRatioError(height: height, width: width)
        }
        var hb = roundHalfEven(h / f) * f
        var wb = roundHalfEven(w / f) * f
        let tb = roundHalfEven(t / Double(temporalFactor)) * Double(temporalFactor)
        if tb * hb * wb > Double(maxPixels) {
            let beta = ((t * h * w) / Double(maxPixels)).squareRoot()
            hb = max(f, (h / beta / f).rounded(.down) * f)
            wb = max(f, (w / beta / f).rounded(.down) * f)
        } else if tb * hb * wb < Double(minPixels) {
            let beta = (Double(minPixels) / (t * h * w)).squareRoot()
            hb = (h * beta / f).rounded(.up) * f
            wb = (w * beta / f).rounded(.up) * f
        }
        return (Int(hb), Int(wb))
    }
}
