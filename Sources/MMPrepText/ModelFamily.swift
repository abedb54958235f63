/// The model families whose chat templates and placeholder rules mmprep reproduces.
public enum ModelFamily: String, Sendable, Equatable, CaseIterable {
    case qwen2VL = "qwen2-vl"
    case qwen25VL = "qwen2.5-vl"
    case qwen3VL = "qwen3-vl"
    case qwen35 = "qwen3.5"

    /// The family named `name` (`qwen2-vl`, `qwen2.5-vl`, `qwen3-vl`, `qwen3.5`).
    public static func named(_ name: String) throws(RenderError) -> ModelFamily {
        guard let f = ModelFamily(rawValue: name) else {
            throw RenderError("unknown family \"\(name)\" (expected \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return f
    }

    /// Qwen3-VL and Qwen3.5 (`Qwen3VLProcessor`) put a timestamp before each temporal group of a video.
    public var timestampsVideoGroups: Bool { self == .qwen3VL || self == .qwen35 }
}
