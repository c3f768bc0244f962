using System.Buffers.Binary;

namespace Rampart.Ike.Wire;

/// <summary>
/// One fragment of an IKEv1 message, as the vendor-ID-negotiated scheme of Cisco, Windows and strongSwan sends it: a
/// whole ISAKMP message with the original's cookies whose only payload (type 132) carries a slice of the original's
/// bytes, header included. The payload body is the fragment ID (2 bytes, shared by the fragments of one message), its
/// number (1 byte, from 1) and flags (1 byte, bit 0: the last fragment), then the data.
/// </summary>
public readonly ref struct IkeFragment
{
    /// <summary>Generic payload header, ID, number and flags.</summary>
    public const int PayloadHeaderSize = 8;

    /// <summary>The ISAKMP header and the fragment payload's header: what each fragment adds to its slice.</summary>
    public const int Overhead = IsakmpHeader.Size + PayloadHeaderSize;

    private const byte LastFragmentFlag = 0x01;

    public IkeFragment(ushort id, byte number, bool isLast, ReadOnlySpan<byte> data)
    {
        Id = id;
        Number = number;
        IsLast = isLast;
        Data = data;
    }

    public ushort Id { get; }

    public byte Number { get; }

    public bool IsLast { get; }

    public ReadOnlySpan<byte> Data { get; }

    /// <summary>
    /// Parses a fragment message: an ISAKMP header announcing payload 132, then exactly that payload, numbered from 1.
    /// False on anything else (truncated, trailing bytes, a payload chained after it, fragment number 0).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out IsakmpHeader header, out IkeFragment fragment)
    {
        fragment = default;
        if (!IsakmpHeader.TryParse(datagram, out header, out _) || header.NextPayload != PayloadType.Fragment)
        {
            return false;
        }

        var payload = datagram[IsakmpHeader.Size..(int)header.Length];
        if (payload.Length < PayloadHeaderSize
            || (PayloadType)payload[0] != PayloadType.None
            || BinaryPrimitives.ReadUInt16BigEndian(payload[2..]) != payload.Length
            || payload[6] == 0)
        {
            return false;
        }

        fragment = new IkeFragment(BinaryPrimitives.ReadUInt16BigEndian(payload[4..]), payload[6], (payload[7] & LastFragmentFlag) != 0, payload[PayloadHeaderSize..]);
        return true;
    }

    /// <summary>
    /// This fragment as a message from the SA of <paramref name="cookieI"/> and <paramref name="cookieR"/>. Like the
    /// other implementations, it is an unencrypted Identity Protection message with message ID 0 whatever exchange the
    /// original belongs to: the original, once reassembled, says which.
    /// </summary>
    public byte[] ToMessage(ulong cookieI, ulong cookieR)
    {
        var message = new byte[Overhead + Data.Length];
        new IsakmpHeader(cookieI, cookieR, PayloadType.Fragment, ExchangeType.IdentityProtection, IsakmpFlags.None, 0, (uint)message.Length).Write(message);
        var payload = message.AsSpan(IsakmpHeader.Size);
        payload[0] = (byte)PayloadType.None;
        payload[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(payload[2..], (ushort)payload.Length);
        BinaryPrimitives.WriteUInt16BigEndian(payload[4..], Id);
        payload[6] = Number;
        payload[7] = IsLast ? LastFragmentFlag : (byte)0;
        Data.CopyTo(payload[PayloadHeaderSize..]);
        return message;
    }
}
