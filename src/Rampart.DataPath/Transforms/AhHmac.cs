using Rampart.Core.Algorithms;

namespace Rampart.DataPath.Transforms;

/// <summary>
/// AH integrity (RFC 4302) with a truncated HMAC: the ICV covers the IP header with its mutable fields zeroed,
/// the AH header with the ICV field zeroed, the payload, and with ESN the implicit high sequence bits.
/// IPv4 options and IPv6 extension headers are not walked: the processor refuses those packets.
/// Not thread-safe: the SA serialises calls.
/// </summary>
public sealed class AhHmac(IntegrityAlgorithm integrity, ReadOnlySpan<byte> key) : IDisposable
{
    /// <summary>Next header, payload length, reserved, SPI, sequence number.</summary>
    public const int FixedHeaderLength = 12;

    private readonly HmacIcv _icv = new(integrity, key);

    public int IcvLength => _icv.IcvLength;

    /// <summary>AH length: fixed part plus ICV, padded to 4 (IPv4) or 8 (IPv6) bytes (RFC 4302 §2.2).</summary>
    public int HeaderLength(bool ipv6)
    {
        var alignment = ipv6 ? 8 : 4;
        var length = FixedHeaderLength + IcvLength;
        return (length + alignment - 1) / alignment * alignment;
    }

    /// <summary>Computes the ICV of an AH packet whose IP header is <paramref name="ipLength"/> bytes, into <paramref name="result"/>.</summary>
    public void Compute(ReadOnlySpan<byte> packet, int ipLength, bool ipv6, int ahLength, bool esn, uint sequenceHigh, Span<byte> result)
    {
        Span<byte> ipHeader = stackalloc byte[40];
        ipHeader = ipHeader[..ipLength];
        packet[..ipLength].CopyTo(ipHeader);
        if (ipv6)
        {
            // Traffic class, flow label and hop limit change in transit (RFC 4302 §3.3.3.1.2).
            ipHeader[0] &= 0xF0;
            ipHeader[1] = 0;
            ipHeader[2] = 0;
            ipHeader[3] = 0;
            ipHeader[7] = 0;
        }
        else
        {
            // DSCP/ECN, flags and fragment offset, TTL and checksum change in transit (RFC 4302 §3.3.3.1.1).
            ipHeader[1] = 0;
            ipHeader[6] = 0;
            ipHeader[7] = 0;
            ipHeader[8] = 0;
            ipHeader[10] = 0;
            ipHeader[11] = 0;
        }

        _icv.Append(ipHeader);
        _icv.Append(packet.Slice(ipLength, FixedHeaderLength));
        Span<byte> zeroIcv = stackalloc byte[ahLength - FixedHeaderLength];
        zeroIcv.Clear();
        _icv.Append(zeroIcv);
        _icv.Append(packet[(ipLength + ahLength)..]);
        if (esn)
        {
            _icv.AppendSequenceHigh(sequenceHigh);
        }

        _icv.Finish(result);
    }

    public void Dispose() => _icv.Dispose();
}
