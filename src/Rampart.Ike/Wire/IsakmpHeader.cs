using System.Buffers.Binary;

namespace Rampart.Ike.Wire;

/// <summary>The fixed 28-byte ISAKMP header (RFC 2408 §3.1).</summary>
public readonly record struct IsakmpHeader(
    ulong InitiatorCookie,
    ulong ResponderCookie,
    PayloadType NextPayload,
    ExchangeType Exchange,
    IsakmpFlags Flags,
    uint MessageId,
    uint Length)
{
    public const int Size = 28;

    /// <summary>Major version 1, minor version 0.</summary>
    public const byte Version = 0x10;

    public static bool TryParse(ReadOnlySpan<byte> source, out IsakmpHeader header, out ParseError error)
    {
        header = default;
        if (source.Length < Size)
        {
            error = ParseError.Truncated;
            return false;
        }

        if (source[17] >> 4 != 1)
        {
            error = ParseError.InvalidMajorVersion;
            return false;
        }

        header = new IsakmpHeader(
            BinaryPrimitives.ReadUInt64BigEndian(source),
            BinaryPrimitives.ReadUInt64BigEndian(source[8..]),
            (PayloadType)source[16],
            (ExchangeType)source[18],
            (IsakmpFlags)source[19],
            BinaryPrimitives.ReadUInt32BigEndian(source[20..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[24..]));
        if (header.Length < Size || header.Length > source.Length)
        {
            error = ParseError.LengthMismatch;
            return false;
        }

        error = ParseError.None;
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, InitiatorCookie);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], ResponderCookie);
        destination[16] = (byte)NextPayload;
        destination[17] = Version;
        destination[18] = (byte)Exchange;
        destination[19] = (byte)Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], MessageId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], Length);
    }
}
