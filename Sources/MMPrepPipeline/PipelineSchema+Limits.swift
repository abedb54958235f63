import Yams

/// The `limits.*` keys (what an input may declare and cost), kept apart from the other
/// sections so that each can grow on its own.
extension PipelineSchema {
    static let limitsFields: [PipelineField] = [
        int("limits.max_file_bytes", min: 1, \.limits.maxFileBytes),
        int("limits.max_streams", min: 1, \.limits.maxStreams),
        int("limits.max_frames", min: 1, \.limits.maxFrames),
        int("limits.max_animation_frames", min: 1, \.limits.maxAnimationFrames),
        names("limits.codecs", \.limits.codecs),
        double("limits.timeout", positive: true, \.limits.timeout),
        int("limits.max_alloc_bytes", min: 1 << 20, \.limits.maxAllocBytes),
        int("limits.max_sidecar_bytes", min: 1, \.limits.maxSidecarBytes),
    ]

    /// A non-empty list of names made of a-z, 0-9, `_` and `-` (FFmpeg codec names), written
    /// quoted so that the rendering is both YAML and JSON.
    static func names(_ path: String, _ kp: WritableKeyPath<Pipeline, [String]> & Sendable) -> PipelineField {
        let what = "a non-empty list of names (a-z, 0-9, _, -)"
        return PipelineField(path: path, expected: what, apply: { p, node in
            guard case .sequence(let seq) = node, !seq.isEmpty else { return "expected \(what)" }
            var values: [String] = []
            for item in seq {
                guard let s = scalar(item), !s.isEmpty,
                      s.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" })
                else { return "expected \(what)" }
                values.append(s)
            }
            p[keyPath: kp] = values
            return nil
        }, render: { "[" + $0[keyPath: kp].map { "\"\($0)\"" }.joined(separator: ", ") + "]" })
    }
}
