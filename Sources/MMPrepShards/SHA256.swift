import Foundation
import CCrypto

/// SHA-256, incremental, through OpenSSL's libcrypto (hardware-accelerated where the CPU has
/// SHA extensions). Used for shard and source checksums.
public struct SHA256 {
    /// Owns the libcrypto context.
    private final class Context {
        let pointer: OpaquePointer
        init() {
            guard let p = mm_sha256_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
            pointer = p
        }
        deinit { mm_sha256_free(pointer) }
    }

    private let context = Context()

    public init() {}

    public mutating func update(_ bytes: some Collection<UInt8>) {
        let done: Bool? = bytes.withContiguousStorageIfAvailable { buf in
            mm_sha256_update(context.pointer, buf.baseAddress, buf.count) == 1
        }
        if done == nil {
            let array = Array(bytes)
            array.withUnsafeBytes { _ = mm_sha256_update(context.pointer, $0.baseAddress, $0.count) }
        }
    }

    /// Bytes in memory (a mapping, a buffer), with no copy.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = mm_sha256_update(context.pointer, base, bytes.count)
    }

    /// The digest; the hasher must not be used afterwards.
    public mutating func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        _ = mm_sha256_final(context.pointer, &out)
        return out
    }

    /// `finalize()` as lowercase hex, as the index and the records write it.
    public mutating func finalizeHex() -> String {
        finalize().map { String(format: "%02x", $0) }.joined()
    }

    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        var s = SHA256()
        s.update(bytes)
        return s.finalizeHex()
    }
}
