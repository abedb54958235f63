import MMPrepService
import Testing

/// The pairing rule as a pure decision: which settled files are claimed together, and when.
struct InboxPairingTests {
    let pairing = InboxPairing(sidecarWait: 30, pairTimeout: 600)

    func decide(_ ready: [String], present: [String]? = nil, since: Double = 0, now: Double,
                manifests: [String: [String]] = [:]) -> [InboxPairing.Action] {
        pairing.decide(ready: ready, present: Set(present ?? ready),
                       firstReady: Dictionary(uniqueKeysWithValues: ready.map { ($0, since) }),
                       manifests: manifests, now: now)
    }

    @Test func mediaWithASettledSidecarIsClaimedAtOnceWithIt() {
        #expect(decide(["a.jpg", "a.txt"], now: 0) == [.media("a.jpg", sidecars: ["a.txt"])])
        #expect(decide(["v/b.mp4", "v/b.json", "v/b.txt"], now: 0) == [.media("v/b.mp4", sidecars: ["v/b.txt", "v/b.json"])])
    }

    @Test func mediaWaitsForASidecarStillBeingWritten() {
        #expect(decide(["a.jpg"], present: ["a.jpg", "a.txt"], now: 1000) == [])
    }

    @Test func mediaWithoutTextWaitsTheSidecarWaitThenGoesWithout() {
        #expect(decide(["a.jpg"], now: 29.9) == [])
        #expect(decide(["a.jpg"], now: 30) == [.media("a.jpg", sidecars: [])])
    }

    @Test func aManifestHoldsItsMediaAndIsClaimedWhenAllHaveSettled() {
        let m = ["sub/m.jsonl": ["sub/a.jpg", "b.mp4"]]
        // b.mp4 not there yet: nothing, and a.jpg is not claimed alone even after sidecar_wait.
        #expect(decide(["sub/m.jsonl", "sub/a.jpg"], now: 100, manifests: m) == [])
        #expect(decide(["sub/m.jsonl", "sub/a.jpg", "b.mp4"], now: 100, manifests: m)
                == [.manifest("sub/m.jsonl", media: ["sub/a.jpg", "b.mp4"], missing: [])])
    }

    @Test func aManifestGoesAheadWithoutMissingMediaAfterThePairTimeout() {
        let m = ["m.jsonl": ["a.jpg", "gone.jpg"]]
        #expect(decide(["m.jsonl", "a.jpg"], now: 599, manifests: m) == [])
        #expect(decide(["m.jsonl", "a.jpg"], now: 600, manifests: m)
                == [.manifest("m.jsonl", media: ["a.jpg"], missing: ["gone.jpg"])])
    }

    @Test func aSidecarWithoutMediaFailsAfterThePairTimeoutOnly() {
        #expect(decide(["a.txt"], now: 599) == [])
        #expect(decide(["a.txt"], now: 600) == [.orphanSidecar("a.txt")])
        #expect(decide(["a.txt"], present: ["a.txt", "a.mp4"], now: 10_000) == [])
    }

    @Test func otherFilesFailAfterTheSidecarWait() {
        #expect(decide(["notes.pdf"], now: 29) == [])
        #expect(decide(["notes.pdf"], now: 30) == [.unsupported("notes.pdf")])
    }

    @Test func manifestPathsResolveInsideTheInboxOnly() {
        #expect(InboxPairing.resolve("a.jpg", manifest: "m.jsonl") == "a.jpg")
        #expect(InboxPairing.resolve("./x/../a.jpg", manifest: "d/m.jsonl") == "d/a.jpg")
        #expect(InboxPairing.resolve("../a.jpg", manifest: "d/m.jsonl") == "a.jpg")
        #expect(InboxPairing.resolve("../a.jpg", manifest: "m.jsonl") == nil)
        #expect(InboxPairing.resolve("/etc/passwd", manifest: "m.jsonl") == nil)
        #expect(InboxPairing.resolve("http://x/a.jpg", manifest: "m.jsonl") == nil)
    }
}
