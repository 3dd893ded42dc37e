#if canImport(Glibc)
import Glibc
#endif

/// Byte scans over one JSON line, for the echo server and the pipelined client.
///
/// Both sides of the benchmark must cost far less than the proxy they measure, so neither parses
/// JSON: they find a member by its quoted name and take its value's bytes. That is enough for frames
/// this benchmark writes itself, and it is not a reader anything else should use.
enum LineScan {
    /// The index of the first `needle` in `line` at or after `from`.
    static func find(_ needle: StaticString, in line: UnsafeBufferPointer<UInt8>, from: Int = 0) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard let base = line.baseAddress, count > 0 else { return nil }
        let first = Int32(needle.utf8Start.pointee)
        var index = from
        while line.count - index >= count {
            guard let hit = memchr(base + index, first, line.count - index - count + 1) else { return nil }
            index = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - base
            if memcmp(base + index, needle.utf8Start, count) == 0 { return index }
            index += 1
        }
        return nil
    }

    /// Whether `needle` occurs in `line`.
    static func contains(_ needle: StaticString, in line: UnsafeBufferPointer<UInt8>) -> Bool {
        find(needle, in: line) != nil
    }

    /// The bytes of the value of the first member named `key` (given with its quotes, `"id"`): a string
    /// with its quotes, or a number or literal.
    static func value(of key: StaticString, in line: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var from = 0
        while let hit = find(key, in: line, from: from) {
            from = hit + key.utf8CodeUnitCount
            var index = skipSpaces(line, from)
            // The name inside a string is not a member: it must be followed by a colon.
            guard index < line.count, line[index] == UInt8(ascii: ":") else { continue }
            index = skipSpaces(line, index + 1)
            guard index < line.count else { return nil }
            return index..<valueEnd(line, index)
        }
        return nil
    }

    /// The non-negative integer held in `range`, nil if it is not all digits.
    static func integer(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count < 19 else { return nil }
        var value = 0
        for byte in line[range] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func skipSpaces(_ line: UnsafeBufferPointer<UInt8>, _ from: Int) -> Int {
        var index = from
        while index < line.count, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        return index
    }

    /// One past a string (closing quote included, escapes skipped) or a scalar starting at `start`.
    private static func valueEnd(_ line: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var index = start + 1
        if line[start] == UInt8(ascii: "\"") {
            while index < line.count, line[index] != UInt8(ascii: "\"") {
                index += line[index] == UInt8(ascii: "\\") ? 2 : 1
            }
            return min(index + 1, line.count)
        }
        while index < line.count {
            switch line[index] {
            case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0D: return index
            default: index += 1
            }
        }
        return index
    }
}
