import MMPrepPreprocess
import Yams

/// Every key a pipeline file may hold: how to read it, check it and write it back.
/// One table serves loading, `--set`, `mmprep validate` and the YAML the presets are written as.
struct PipelineField: Sendable {
    let path: String
    let expected: String
    let apply: @Sendable (inout Pipeline, Node) -> String?   // nil on success, else what was wrong
    let render: @Sendable (Pipeline) -> String
}

enum PipelineSchema {
    static let topLevelKeys = ["name", "family", "image", "video", "output", "text", "watch", "decode", "limits"]

    /// Every key: the sections in `coreFields`, then `limits.*` (PipelineSchema+Limits.swift).
    static let fields: [PipelineField] = coreFields + limitsFields

    static let coreFields: [PipelineField] = [
        int("image.min_pixels", min: 1, \.image.minPixels),
        int("image.max_pixels", min: 1, \.image.maxPixels),
        int("image.patch_size", min: 1, \.image.patchSize),
        int("image.merge_size", min: 1, \.image.mergeSize),
        int("image.temporal_patch_size", min: 1, \.image.temporalPatchSize),
        triple("image.mean", \.image.mean, positive: false),
        triple("image.std", \.image.std, positive: true),
        choice("image.resample", \.image.resample, allowed: ResampleMode.imageModes),
        bool("image.exif_orientation", \.image.exifOrientation),
        int("image.max_decode_pixels", min: 1, \.image.maxDecodePixels),
        choice("image.gif", \.image.gif),
        choice("video.sampling", \.video.sampling),
        double("video.fps", positive: true, \.video.fps),
        optionalInt("video.frames", min: 1, \.video.frames),
        int("video.min_frames", min: 1, \.video.minFrames),
        int("video.max_frames", min: 1, \.video.maxFrames),
        optionalDouble("video.start", \.video.start),
        optionalDouble("video.end", \.video.end),
        choice("video.sizing", \.video.sizing),
        int("video.min_pixels", min: 1, \.video.minPixels),
        int("video.max_pixels", min: 1, \.video.maxPixels),
        double("video.total_pixels", positive: true, \.video.totalPixels),
        choice("video.resample", \.video.resample, allowed: ResampleMode.videoModes),
        int("video.threads", min: 0, \.video.threads),
        int("video.max_decode_pixels", min: 1, \.video.maxDecodePixels),
        double("video.max_duration", positive: true, \.video.maxDuration),
        choice("output.dtype", \.output.dtype),
        choice("output.format", \.output.format),
        optionalInt("output.max_rows", min: 1, \.output.maxRows),
        optionalInt("output.max_samples", min: 1, \.output.maxSamples),
        optionalInt("output.max_bytes", min: 1, \.output.maxBytes),
        double("output.max_latency", positive: true, \.output.maxLatency),
        choice("text.mode", \.text.mode),
        bool("text.add_generation_prompt", \.text.addGenerationPrompt),
        bool("text.add_vision_id", \.text.addVisionID),
        nonNegativeDouble("watch.settle", \.watch.settle),
        double("watch.poll_interval", positive: true, \.watch.pollInterval),
        choice("watch.mode", \.watch.mode),
        int("watch.disk_reserve", min: 0, \.watch.diskReserve),
        bool("watch.keep_inputs", \.watch.keepInputs),
        nonNegativeDouble("watch.sidecar_wait", \.watch.sidecarWait),
        double("watch.input_timeout", positive: true, \.watch.inputTimeout),
        nonNegativeDouble("watch.pair_timeout", \.watch.pairTimeout),
        int("watch.max_crashes", min: 1, \.watch.maxCrashes),
        int("watch.max_attempts", min: 1, \.watch.maxAttempts),
        double("watch.retry_max_delay", positive: true, \.watch.retryMaxDelay),
        choice("decode.isolation", \.decode.isolation),
        int("decode.memory_limit", min: 64 << 20, \.decode.memoryLimit),
        double("decode.cpu_limit", positive: true, \.decode.cpuLimit),
    ]

    static let byPath: [String: PipelineField] = Dictionary(uniqueKeysWithValues: fields.map { ($0.path, $0) })

    // MARK: field builders

    static func scalar(_ node: Node) -> String? {
        if case .scalar(let s) = node { return s.string }
        return nil
    }

    static func int(_ path: String, min: Int, _ kp: WritableKeyPath<Pipeline, Int> & Sendable) -> PipelineField {
        PipelineField(path: path, expected: "an integer >= \(min)", apply: { p, node in
            guard let s = scalar(node), let v = Int(s.replacingOccurrences(of: "_", with: "")), v >= min else {
                return "expected an integer >= \(min)"
            }
            p[keyPath: kp] = v
            return nil
        }, render: { String($0[keyPath: kp]) })
    }

    static func optionalInt(_ path: String, min: Int, _ kp: WritableKeyPath<Pipeline, Int?> & Sendable) -> PipelineField {
        PipelineField(path: path, expected: "null or an integer >= \(min)", apply: { p, node in
            guard let s = scalar(node) else { return "expected null or an integer >= \(min)" }
            if isNull(s) { p[keyPath: kp] = nil; return nil }
            guard let v = Int(s.replacingOccurrences(of: "_", with: "")), v >= min else {
                return "expected null or an integer >= \(min)"
            }
            p[keyPath: kp] = v
            return nil
        }, render: { $0[keyPath: kp].map(String.init) ?? "null" })
    }

    static func double(_ path: String, positive: Bool, _ kp: WritableKeyPath<Pipeline, Double> & Sendable) -> PipelineField {
        PipelineField(path: path, expected: positive ? "a number > 0" : "a number", apply: { p, node in
            guard let s = scalar(node), let v = Double(s), v.isFinite, !positive || v > 0 else {
                return positive ? "expected a number > 0" : "expected a number"
            }
            p[keyPath: kp] = v
            return nil
        }, render: { renderDouble($0[keyPath: kp]) })
    }

    static func nonNegativeDouble(_ path: String, _ kp: WritableKeyPath<Pipeline, Double> & Sendable) -> PipelineField {
        PipelineField(path: path, expected: "a number >= 0", apply: { p, node in
            guard let s = scalar(node), let v = Double(s), v.isFinite, v >= 0 else { return "expected a number >= 0" }
            p[keyPath: kp] = v
            return nil
        }, render: { renderDouble($0[keyPath: kp]) })
    }

    static func optionalDouble(_ path: String, _ kp: WritableKeyPath<Pipeline, Double?> & Sendable) -> PipelineField {
        PipelineField(path: path, expected: "null or a number >= 0", apply: { p, node in
            guard let s = scalar(node) else { return "expected null or a number >= 0" }
            if isNull(s) { p[keyPath: kp] = nil; return nil }
            guard let v = Double(s), v.isFinite, v >= 0 else { return "expected null or a number >= 0" }
            p[keyPath: kp] = v
            return nil
        }, render: { $0[keyPath: kp].map(renderDouble) ?? "null" })
    }

    static func bool(_ path: String, _ kp: WritableKeyPath<Pipeline, Bool> & Sendable) -> PipelineField {
        PipelineField(path: path, expected: "true or false", apply: { p, node in
            switch scalar(node)?.lowercased() {
            case "true", "yes", "on": p[keyPath: kp] = true
            case "false", "no", "off": p[keyPath: kp] = false
            default: return "expected true or false"
            }
            return nil
        }, render: { $0[keyPath: kp] ? "true" : "false" })
    }

    static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ path: String, _ kp: WritableKeyPath<Pipeline, E> & Sendable, allowed: [E]? = nil
    ) -> PipelineField where E.RawValue == String {
        let names = (allowed ?? Array(E.allCases)).map(\.rawValue)
        return PipelineField(path: path, expected: "one of " + names.joined(separator: ", "), apply: { p, node in
            guard let s = scalar(node), let v = E(rawValue: s), names.contains(s) else {
                return "expected one of " + names.joined(separator: ", ")
            }
            p[keyPath: kp] = v
            return nil
        }, render: { $0[keyPath: kp].rawValue })
    }

    static func triple(_ path: String, _ kp: WritableKeyPath<Pipeline, [Double]> & Sendable, positive: Bool) -> PipelineField {
        let what = positive ? "a list of 3 numbers > 0" : "a list of 3 numbers"
        return PipelineField(path: path, expected: what, apply: { p, node in
            guard case .sequence(let seq) = node, seq.count == 3 else { return "expected \(what)" }
            var values: [Double] = []
            for item in seq {
                guard let s = scalar(item), let v = Double(s), v.isFinite, !positive || v > 0 else {
                    return "expected \(what)"
                }
                values.append(v)
            }
            p[keyPath: kp] = values
            return nil
        }, render: { "[" + $0[keyPath: kp].map(renderDouble).joined(separator: ", ") + "]" })
    }

    static func isNull(_ s: String) -> Bool { s == "null" || s == "~" || s.isEmpty }

    /// Shortest text that reads back as the same Double.
    static func renderDouble(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) + ".0" }
        return "\(v)"
    }
}
