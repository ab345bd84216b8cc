import Foundation

/// How ``MessagePackCacheCodec`` stores a `Date`.
///
/// A date is the MessagePack timestamp extension (type -1): seconds since 1970 and nanoseconds, in its 32-, 64- or
/// 96-bit form, whichever is smallest. `Date` holds a `Double` count of seconds since 2001; a date whose `Double`
/// is not exactly the one that its nearest nanosecond reads back as (dates within about 48 days of 2001-01-01 with
/// sub-nanosecond digits, and non-finite or astronomically distant dates) is stored instead as extension type 2
/// holding the 8-byte IEEE 754 `timeIntervalSinceReferenceDate`. Either way the date reads back bit for bit.
enum MessagePackDate {
    /// The timestamp extension type the MessagePack specification reserves.
    static let timestampType: Int8 = -1
    /// CacheSchema's own extension type for a date that nanoseconds cannot represent exactly.
    static let exactDateType: Int8 = 2

    /// Seconds from 1970-01-01 to 2001-01-01.
    static let referenceDateOffset: Int64 = 978_307_200

    static func write(_ date: Date, to writer: inout MessagePackWriter) {
        let interval = date.timeIntervalSinceReferenceDate
        if let (seconds, nanoseconds) = timestamp(of: interval) {
            if nanoseconds == 0, seconds >= 0, seconds <= Int64(UInt32.max) {
                writer.bytes.append(0xd6)
                writer.bytes.append(0xff)
                writer.appendBigEndian(UInt32(truncatingIfNeeded: seconds))
            } else if seconds >= 0, seconds < (1 << 34) {
                writer.bytes.append(0xd7)
                writer.bytes.append(0xff)
                writer.appendBigEndian(UInt64(nanoseconds) << 34 | UInt64(seconds))
            } else {
                writer.bytes.append(0xc7)
                writer.bytes.append(12)
                writer.bytes.append(0xff)
                writer.appendBigEndian(nanoseconds)
                writer.appendBigEndian(seconds)
            }
        } else {
            writer.bytes.append(0xd7)
            writer.bytes.append(UInt8(bitPattern: exactDateType))
            writer.appendBigEndian(interval.bitPattern)
        }
    }

    /// Seconds since 1970 and nanoseconds of `interval` (seconds since 2001), when they read back as exactly
    /// `interval`.
    static func timestamp(of interval: Double) -> (seconds: Int64, nanoseconds: UInt32)? {
        guard interval.isFinite, abs(interval) < 1e15 else { return nil }
        let whole = interval.rounded(.down)
        var seconds = Int64(whole) + referenceDateOffset
        // `interval - whole` is exact; only the rounding to nanoseconds can lose digits, which the check catches.
        var nanoseconds = ((interval - whole) * 1e9).rounded()
        if nanoseconds >= 1e9 {
            seconds += 1
            nanoseconds -= 1e9
        }
        let result = (seconds, UInt32(nanoseconds))
        guard interval.bitPattern == self.interval(seconds: result.0, nanoseconds: result.1).bitPattern else { return nil }
        return result
    }

    /// Seconds since 2001 of a timestamp.
    static func interval(seconds: Int64, nanoseconds: UInt32) -> Double {
        let (sinceReference, overflow) = seconds.subtractingReportingOverflow(referenceDateOffset)
        let whole = overflow ? Double(seconds) - Double(referenceDateOffset) : Double(sinceReference)
        return whole + Double(nanoseconds) / 1e9
    }
}
