import Foundation
import MMPrepPreprocess
import Yams

/// Reads pipelines: a preset name or a YAML file, then `--set KEY.PATH=VALUE` overrides.
///
/// A file names its `family`; that family's preset supplies every key the file leaves out.
/// Unknown keys and bad values are errors naming the file, the key path and what was expected.
public enum PipelineLoader {
    public static func load(_ nameOrPath: String, overrides: [String] = []) throws(PipelineError) -> Pipeline {
        var pipeline: Pipeline
        if let preset = Presets.named(nameOrPath) {
            pipeline = preset
        } else if FileManager.default.fileExists(atPath: nameOrPath) {
            pipeline = try parseFile(nameOrPath)
        } else {
            throw PipelineError(source: nameOrPath, keyPath: "",
                                message: "no such pipeline file, and not a preset (presets: \(Presets.names.joined(separator: ", ")))")
        }
        for item in overrides {
            try applyOverride(item, to: &pipeline)
        }
        try validate(pipeline, source: overrides.isEmpty ? nameOrPath : "\(nameOrPath) with --set")
        return pipeline
    }

    public static func parseFile(_ path: String) throws(PipelineError) -> Pipeline {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PipelineError(source: path, keyPath: "", message: "cannot read: \(error.localizedDescription)")
        }
        return try parse(yaml: text, source: path)
    }

    public static func parse(yaml text: String, source: String) throws(PipelineError) -> Pipeline {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw PipelineError(source: source, keyPath: "", message: "not valid YAML: \(error)")
        }
        guard let root, case .mapping(let top) = root else {
            throw PipelineError(source: source, keyPath: "", message: "expected a mapping at the top level")
        }
        var familyName: String?
        var name: String?
        for (k, v) in top {
            guard let key = k.string else { throw PipelineError(source: source, keyPath: "", message: "a key is not a string") }
            guard PipelineSchema.topLevelKeys.contains(key) else {
                throw unknownKey(key, source: source, candidates: PipelineSchema.topLevelKeys)
            }
            if key == "family" { familyName = v.string }
            if key == "name" { name = v.string }
        }
        guard let familyName else {
            throw PipelineError(source: source, keyPath: "family",
                                message: "missing; expected one of \(Presets.names.joined(separator: ", "))")
        }
        guard let family = ModelFamily(rawValue: familyName) else {
            throw PipelineError(source: source, keyPath: "family",
                                message: "expected one of \(Presets.names.joined(separator: ", ")), got \(familyName)")
        }
        var pipeline = Presets.preset(family)
        pipeline.name = name ?? (source as NSString).lastPathComponent
        for (k, v) in top {
            guard let section = k.string, section != "family", section != "name" else { continue }
            guard case .mapping(let entries) = v else {
                if case .scalar(let s) = v, PipelineSchema.isNull(s.string) { continue }
                throw PipelineError(source: source, keyPath: section, message: "expected a mapping of keys")
            }
            let known = PipelineSchema.fields.map(\.path).filter { $0.hasPrefix(section + ".") }
            for (ek, ev) in entries {
                let path = section + "." + (ek.string ?? "?")
                guard let field = PipelineSchema.byPath[path] else {
                    throw unknownKey(path, source: source, candidates: known)
                }
                if let problem = field.apply(&pipeline, ev) {
                    throw PipelineError(source: source, keyPath: path, message: "\(problem), got \(describe(ev))")
                }
            }
        }
        try validate(pipeline, source: source)
        return pipeline
    }

    /// Applies one `KEY.PATH=VALUE`; the value is read as YAML (so `[1, 2, 3]` is a list).
    public static func applyOverride(_ item: String, to pipeline: inout Pipeline) throws(PipelineError) {
        guard let eq = item.firstIndex(of: "=") else {
            throw PipelineError(source: "--set", keyPath: item, message: "expected KEY.PATH=VALUE")
        }
        let path = String(item[..<eq]).trimmingCharacters(in: .whitespaces)
        let valueText = String(item[item.index(after: eq)...])
        guard let field = PipelineSchema.byPath[path] else {
            throw unknownKey(path, source: "--set", candidates: PipelineSchema.fields.map(\.path))
        }
        let node: Node
        do {
            node = try Yams.compose(yaml: valueText) ?? Node("null")
        } catch {
            throw PipelineError(source: "--set", keyPath: path, message: "value is not valid YAML: \(valueText)")
        }
        if let problem = field.apply(&pipeline, node) {
            throw PipelineError(source: "--set", keyPath: path, message: "\(problem), got \(valueText)")
        }
    }

    /// Checks that hold across keys.
    public static func validate(_ p: Pipeline, source: String) throws(PipelineError) {
        func fail(_ key: String, _ message: String) -> PipelineError {
            PipelineError(source: source, keyPath: key, message: message)
        }
        if p.image.minPixels > p.image.maxPixels {
            throw fail("image.min_pixels", "must not exceed image.max_pixels (\(p.image.maxPixels))")
        }
        if p.video.minPixels > p.video.maxPixels {
            throw fail("video.min_pixels", "must not exceed video.max_pixels (\(p.video.maxPixels))")
        }
        if p.video.minFrames > p.video.maxFrames {
            throw fail("video.min_frames", "must not exceed video.max_frames (\(p.video.maxFrames))")
        }
        if let s = p.video.start, let e = p.video.end, s >= e {
            throw fail("video.start", "must be before video.end (\(e))")
        }
    }

    /// The pipeline as YAML, every key spelled out.
    public static func render(_ p: Pipeline) -> String {
        var out = "name: \(p.name)\nfamily: \(p.family.rawValue)\n"
        var section = ""
        for field in PipelineSchema.fields {
            let parts = field.path.split(separator: ".", maxSplits: 1).map(String.init)
            if parts[0] != section {
                section = parts[0]
                out += "\(section):\n"
            }
            out += "  \(parts[1]): \(field.render(p))\n"
        }
        return out
    }

    /// The pipeline as one JSON object (sections of keys), for dataset indexes.
    public static func renderJSON(_ p: Pipeline) -> String {
        var sections: [(String, [(String, String)])] = []
        for field in PipelineSchema.fields {
            let parts = field.path.split(separator: ".", maxSplits: 1).map(String.init)
            var value = field.render(p)
            if let first = value.first, !(first.isNumber || first == "-" || first == "[" || value == "true"
                                          || value == "false" || value == "null") {
                value = "\"" + value + "\""
            }
            if sections.last?.0 == parts[0] { sections[sections.count - 1].1.append((parts[1], value)) }
            else { sections.append((parts[0], [(parts[1], value)])) }
        }
        func obj(_ f: [(String, String)]) -> String { "{" + f.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}" }
        return obj([("name", "\"" + p.name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""),
                    ("family", "\"" + p.family.rawValue + "\"")] + sections.map { ($0.0, obj($0.1)) })
    }

    /// Every key with what it expects, for documentation and `mmprep validate --keys`.
    public static var keyReference: [(path: String, expected: String)] {
        PipelineSchema.fields.map { ($0.path, $0.expected) }
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return "'\(s.string)'"
        case .sequence(let s): return "a list of \(s.count)"
        case .mapping: return "a mapping"
        }
    }

    static func unknownKey(_ key: String, source: String, candidates: [String]) -> PipelineError {
        let best = candidates.min { editDistance($0, key) < editDistance($1, key) }
        var message = "unknown key"
        if let best, editDistance(best, key) <= max(2, key.count / 3) {
            message += "; did you mean \(best)?"
        } else if !candidates.isEmpty {
            message += "; expected one of \(candidates.joined(separator: ", "))"
        }
        return PipelineError(source: source, keyPath: key, message: message)
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
