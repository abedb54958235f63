#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Length-framed messages on a pipe (8 bytes little-endian length, then the bytes): the wire
/// between mmprep and its decoding children (`decode.isolation: process`), used by both ends.
struct FramedPipe {
    enum Failure: Error, CustomStringConvertible {
        /// The other end went away (or sent a frame that ends early).
        case closed(String)
        /// The deadline passed before the frame was complete.
        case timedOut

        var description: String {
            switch self {
            case .closed(let why): why
            case .timedOut: "timed out"
            }
        }
    }

    let fd: Int32

    func send(_ payload: [UInt8]) throws(Failure) {
        let frame = SampleWire.le(UInt64(payload.count)) + payload
        var sent = 0
        while sent < frame.count {
            let n = frame.withUnsafeBytes { write(fd, $0.baseAddress! + sent, frame.count - sent) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .closed("stopped reading (\(String(cString: strerror(errno))))")
            }
            sent += n
        }
    }

    /// The next frame, or nil at end of file before one starts. With a deadline, waits no
    /// longer than that.
    func receive(deadline: Date? = nil) throws(Failure) -> [UInt8]? {
        guard let header = try exactly(8, deadline: deadline) else { return nil }
        let count = Int(SampleWire.readLE(header, at: 0))
        guard count < 1 << 40, let body = try exactly(count, deadline: deadline) else {
            throw .closed("truncated frame")
        }
        return body
    }

    private func exactly(_ count: Int, deadline: Date?) throws(Failure) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            if let deadline {
                let left = deadline.timeIntervalSinceNow
                guard left > 0 else { throw .timedOut }
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&p, 1, Int32(min(left, 3600) * 1000))
                if ready < 0 && errno == EINTR { continue }
                if ready == 0 { throw .timedOut }
            }
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw .closed("read: \(String(cString: strerror(errno)))") }
            if n == 0 {
                if got == 0 && count == 8 { return nil }
                throw .closed(got == 0 ? "closed its output" : "truncated frame")
            }
            got += n
        }
        return out
    }
}
