import Foundation
import MMPrepDataset
import Testing

struct InputWalkerTests {
    static func tree(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("walk-\(UUID().uuidString)").path
        for (rel, text) in files {
            let path = root + "/" + rel
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func foldersPairSidecarsAndSortKeys() throws {
        let root = try Self.tree(["b/cat.jpg": "x", "b/cat.txt": "a cat", "a.png": "x", "a.json": "{}",
                                  "notes.md": "x", ".hidden.jpg": "x", "c d.mp4": "x"])
        let r = try InputWalker().walk([root])
        #expect(r.sources.map(\.key) == ["a", "b/cat", "c_d"])
        #expect(r.skipped == 1)
        guard case .media(let path, let caption, let messages) = r.sources[1].origin else {
            Issue.record("not a media source"); return
        }
        #expect(path.hasSuffix("b/cat.jpg") && caption?.hasSuffix("b/cat.txt") == true && messages == nil)
        guard case .media(_, nil, let m) = r.sources[0].origin else { Issue.record("a.png"); return }
        #expect(m?.hasSuffix("a.json") == true)
    }

    @Test func symlinksAreNotFollowed() throws {
        let root = try Self.tree(["real/x.jpg": "x"])
        try FileManager.default.createSymbolicLink(atPath: root + "/link.jpg", withDestinationPath: root + "/real/x.jpg")
        try FileManager.default.createSymbolicLink(atPath: root + "/linkdir", withDestinationPath: root + "/real")
        let r = try InputWalker().walk([root])
        #expect(r.sources.map(\.key) == ["real/x"])
        #expect(r.problems.contains { $0.path.hasSuffix("link.jpg") })
    }

    @Test func manifestLinesBecomeKeyedRecords() throws {
        let root = try Self.tree([:])
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // Line 2 is blank (skipped); line 4 is not valid UTF-8.
        var bytes = Array("{\"id\": \"one\", \"messages\": []}\n\n{\"messages\": []}\n".utf8)
        bytes += [0xFF, 0xFE, 0x0A]
        try Data(bytes).write(to: URL(fileURLWithPath: root + "/m.jsonl"))
        let r = try InputWalker().walk([root + "/m.jsonl"])
        #expect(r.sources.map(\.key) == ["m-000003", "one"])
        #expect(r.problems.map(\.key) == ["m-000004"])
        #expect(r.problems[0].message.contains("UTF-8"))
    }

    @Test func duplicateKeysAreProblems() throws {
        let root = try Self.tree(["x.jpg": "x", "x.png": "x"])
        let r = try InputWalker().walk([root])
        #expect(r.sources.count == 1)
        #expect(r.problems.count == 1 && r.problems[0].message.contains("duplicate"))
    }

    @Test func missingInputIsAnError() {
        #expect(throws: InputError.self) { try InputWalker().walk(["/nonexistent/input"]) }
    }

    @Test func keysAreWebdatasetSafeAndPartitionIsStable() {
        #expect(SampleKey.sanitize("a.b/c d.e") == "a_b/c_d_e")
        #expect(SampleKey.sanitize("/x/") == "x")
        let counts = (0..<300).reduce(into: [0, 0, 0]) { c, i in c[SampleKey.partition("key\(i)", count: 3)] += 1 }
        #expect(counts.allSatisfy { $0 > 60 })
        #expect(SampleKey.partition("abc", count: 7) == SampleKey.partition("abc", count: 7))
    }
}

struct PathPolicyTests {
    @Test func confinesManifestPaths() throws {
        let root = try InputWalkerTests.tree(["data/in.jpg": "x", "other/out.jpg": "x"])
        let policy = PathPolicy()
        #expect(try policy.resolve("in.jpg", root: root + "/data", manifest: "m").hasSuffix("/data/in.jpg"))
        #expect(throws: InputError.self) { try policy.resolve("../other/out.jpg", root: root + "/data", manifest: "m") }
        #expect(throws: InputError.self) { try policy.resolve(root + "/other/out.jpg", root: root + "/data", manifest: "m") }
        #expect(throws: InputError.self) { try policy.resolve("https://example.com/x.jpg", root: root + "/data", manifest: "m") }
        #expect(throws: InputError.self) { try policy.resolve("missing.jpg", root: root + "/data", manifest: "m") }
        let granted = PathPolicy(allowedRoots: [root + "/other"])
        #expect(try granted.resolve(root + "/other/out.jpg", root: root + "/data", manifest: "m").hasSuffix("out.jpg"))
    }
}
