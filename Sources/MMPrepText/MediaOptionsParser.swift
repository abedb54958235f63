/// Reads the per-item media options of a content part; `null` counts as not given.
enum MediaOptionsParser {
    static func parse(_ part: JSONObject, path: String) throws(MessagesError) -> MediaOptions {
        var o = MediaOptions()
        o.fps = try positiveDouble(part, "fps", path)
        o.nframes = try positiveInt(part, "nframes", path)
        o.videoStart = try nonNegativeDouble(part, "video_start", path)
        o.videoEnd = try nonNegativeDouble(part, "video_end", path)
        o.minPixels = try positiveInt(part, "min_pixels", path)
        o.maxPixels = try positiveInt(part, "max_pixels", path)
        o.resizedHeight = try positiveInt(part, "resized_height", path)
        o.resizedWidth = try positiveInt(part, "resized_width", path)
        return o
    }

    static func number(_ part: JSONObject, _ key: String, _ path: String) throws(MessagesError) -> Double? {
        guard let v = part[key], !v.isNull else { return nil }
        guard let d = v.doubleValue, d.isFinite else {
            throw MessagesError(path: "\(path).\(key)", message: "expected a number, found \(v.typeName)")
        }
        return d
    }

    static func positiveDouble(_ part: JSONObject, _ key: String, _ path: String) throws(MessagesError) -> Double? {
        guard let d = try number(part, key, path) else { return nil }
        guard d > 0 else { throw MessagesError(path: "\(path).\(key)", message: "must be positive, got \(d)") }
        return d
    }

    static func nonNegativeDouble(_ part: JSONObject, _ key: String, _ path: String) throws(MessagesError) -> Double? {
        guard let d = try number(part, key, path) else { return nil }
        guard d >= 0 else { throw MessagesError(path: "\(path).\(key)", message: "must not be negative, got \(d)") }
        return d
    }

    static func positiveInt(_ part: JSONObject, _ key: String, _ path: String) throws(MessagesError) -> Int? {
        guard let v = part[key], !v.isNull else { return nil }
        guard let i = v.int64Value, i > 0, i <= Int64(Int32.max) else {
            throw MessagesError(path: "\(path).\(key)", message: "expected a positive integer, found \(v.serialized())")
        }
        return Int(i)
    }
}
