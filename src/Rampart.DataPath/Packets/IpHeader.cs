using System.Buffers.Binary;
using Rampart.DataPath.Buffers;

namespace Rampart.DataPath.Packets;

/// <summary>The facts about a packet's first IP header that IPsec processing needs.</summary>
internal readonly record struct IpHeader(bool IsIpv6, int Length, byte Protocol, bool IsFragment)
{
    /// <summary>Validates the IP header and trims link-layer padding past the IP total length. Never throws.</summary>
    public static PacketStatus Parse(PacketBuffer packet, out IpHeader header)
    {
        header = default;
        var span = packet.Span;
        if (span.Length < 1)
        {
            return PacketStatus.Truncated;
        }

        return (span[0] >> 4) switch
        {
            4 => ParseIpv4(packet, out header),
            6 => ParseIpv6(packet, out header),
            _ => PacketStatus.Malformed,
        };
    }

    private static PacketStatus ParseIpv4(PacketBuffer packet, out IpHeader header)
    {
        header = default;
        var span = packet.Span;
        if (span.Length < IpConstants.Ipv4MinHeader)
        {
            return PacketStatus.Truncated;
        }

        var headerLength = (span[0] & 0x0F) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(span[2..]);
        if (headerLength < IpConstants.Ipv4MinHeader || totalLength < headerLength)
        {
            return PacketStatus.Malformed;
        }

        if (totalLength > span.Length)
        {
            return PacketStatus.Truncated;
        }

        packet.Trim(0, span.Length - totalLength);
        var fragment = (BinaryPrimitives.ReadUInt16BigEndian(span[6..]) & 0x3FFF) != 0;
        header = new IpHeader(false, headerLength, span[9], fragment);
        return PacketStatus.Ok;
    }

    private static PacketStatus ParseIpv6(PacketBuffer packet, out IpHeader header)
    {
        header = default;
        var span = packet.Span;
        if (span.Length < IpConstants.Ipv6Header)
        {
            return PacketStatus.Truncated;
        }

        var total = IpConstants.Ipv6Header + BinaryPrimitives.ReadUInt16BigEndian(span[4..]);
        if (total > span.Length)
        {
            return PacketStatus.Truncated;
        }

        packet.Trim(0, span.Length - total);
        header = new IpHeader(true, IpConstants.Ipv6Header, span[6], span[6] == IpConstants.Ipv6Fragment);
        return PacketStatus.Ok;
    }
}
