import Foundation
import MMPrepDataset

/// The pairing rule: which settled inbox files are claimed together, and when.
///
/// - A media file `NAME.EXT` is claimed with its sidecars `NAME.txt` / `NAME.json` (same folder,
///   same stem) once every sidecar present has settled. Without a sidecar it waits
///   `sidecarWait` seconds after settling (for a sidecar or a manifest naming it) and then goes
///   without text.
/// - A manifest `NAME.jsonl` is claimed with every media file its records name (paths relative
///   to the manifest's folder) once all of them have settled. Those media files are held for the
///   manifest: they are never claimed on their own while it waits. After `pairTimeout` seconds it
///   is claimed with the files that are there; records naming a missing file fail.
/// - A sidecar whose media file does not arrive within `pairTimeout` fails on its own.
/// - Any other file fails after `sidecarWait` (it might be a sidecar whose name is odd; no).
public struct InboxPairing: Sendable {
    public enum Action: Sendable, Equatable {
        case media(String, sidecars: [String])
        case manifest(String, media: [String], missing: [String])
        case orphanSidecar(String)
        /// A media file whose sidecar is a symlink, fifo or device: the sample fails.
        case irregularSidecar(String, sidecar: String)
        case unsupported(String)
    }

    public var sidecarWait: Double
    public var pairTimeout: Double

    public init(sidecarWait: Double, pairTimeout: Double) {
        self.sidecarWait = sidecarWait
        self.pairTimeout = pairTimeout
    }

    public static func isManifest(_ rel: String) -> Bool { rel.lowercased().hasSuffix(".jsonl") }

    public static func isSidecar(_ rel: String) -> Bool {
        let ext = (rel as NSString).pathExtension.lowercased()
        return ext == "txt" || ext == "json"
    }

    /// A path a manifest at `manifest` (relative to the inbox) names, relative to the inbox;
    /// nil when it is absolute, a URL, or leaves the inbox.
    public static func resolve(_ written: String, manifest: String) -> String? {
        guard !written.hasPrefix("/"), !written.contains("://") else { return nil }
        var parts = (manifest as NSString).deletingLastPathComponent.split(separator: "/").map(String.init)
        for c in written.split(separator: "/", omittingEmptySubsequences: true) {
            switch c {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(String(c))
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    /// Decides what to claim now.
    /// - Parameters:
    ///   - ready: settled files, relative to the inbox.
    ///   - present: every regular file in the inbox (settled or not), relative.
    ///   - firstReady: when each ready file was first seen settled.
    ///   - manifests: for each ready manifest, the inbox-relative media paths its records name.
    public func decide(ready: [String], present: Set<String>, irregular: Set<String> = [],
                       firstReady: [String: Double], manifests: [String: [String]], now: Double) -> [Action] {
        let readySet = Set(ready)
        var actions: [Action] = []
        var held = Set<String>()
        let mediaStems = Set(present.filter(InputWalker.isMedia).map { ($0 as NSString).deletingPathExtension })
        for m in ready where Self.isManifest(m) {
            let media = manifests[m] ?? []
            held.formUnion(media)
            let waited = now - (firstReady[m] ?? now)
            let settled = media.filter { readySet.contains($0) }
            if settled.count == media.count || waited >= pairTimeout {
                actions.append(.manifest(m, media: settled, missing: media.filter { !readySet.contains($0) }))
            }
        }
        for rel in ready where !Self.isManifest(rel) && !held.contains(rel) {
            let waited = now - (firstReady[rel] ?? now)
            if InputWalker.isMedia(rel) {
                let stem = (rel as NSString).deletingPathExtension
                if let bad = [stem + ".txt", stem + ".json"].first(where: irregular.contains) {
                    actions.append(.irregularSidecar(rel, sidecar: bad))
                    continue
                }
                let sidecars = [stem + ".txt", stem + ".json"].filter { present.contains($0) }
                if sidecars.contains(where: { !readySet.contains($0) }) { continue }   // still being written
                if sidecars.isEmpty && waited < sidecarWait { continue }
                actions.append(.media(rel, sidecars: sidecars))
            } else if Self.isSidecar(rel) {
                let stem = (rel as NSString).deletingPathExtension
                if !mediaStems.contains(stem) && waited >= pairTimeout { actions.append(.orphanSidecar(rel)) }
            } else if waited >= sidecarWait {
                actions.append(.unsupported(rel))
            }
        }
        return actions
    }
}
