using System.Buffers.Binary;

namespace Rampart.DataPath.Packets;

/// <summary>
/// Software TCP segmentation and transport checksums for packets the kernel hands over before it did either
/// (NFQUEUE with GSO: a TCP "super-packet" of up to 64 KB and checksums left partial). IPv4 and IPv6 without
/// extension headers; the rules are the kernel's own (tcp_gso_segment): each segment gets the headers, its slice
/// of the payload, the sequence number advanced by the bytes before it, FIN and PSH only on the last, CWR only on
/// the first, consecutive IPv4 ids, and a complete checksum.
/// </summary>
public static class TcpSegmentation
{
    private const byte ProtocolTcp = 6;
    private const byte FlagFin = 0x01;
    private const byte FlagPsh = 0x08;
    private const byte FlagCwr = 0x80;

    /// <summary>
    /// Reads the header lengths of an IPv4 or IPv6 TCP packet. False for anything else, a fragment, IPv6 extension
    /// headers, or inconsistent lengths (never throws).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out TcpPacketLayout layout)
    {
        layout = default;
        if (!TryParseNetworkHeader(packet, out int ipHeaderLength, out byte protocol, out bool isIPv6) || protocol != ProtocolTcp
            || packet.Length < ipHeaderLength + 20)
        {
            return false;
        }

        int tcpHeaderLength = (packet[ipHeaderLength + 12] >> 4) * 4;
        if (tcpHeaderLength < 20 || ipHeaderLength + tcpHeaderLength > packet.Length)
        {
            return false;
        }

        layout = new TcpPacketLayout(isIPv6, ipHeaderLength, ipHeaderLength + tcpHeaderLength, packet.Length);
        return true;
    }

    /// <summary>Number of segments of at most <paramref name="maxPayload"/> payload bytes (at least one).</summary>
    public static int SegmentCount(in TcpPacketLayout layout, int maxPayload)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPayload, 1);
        return Math.Max(1, (layout.PayloadLength + maxPayload - 1) / maxPayload);
    }

    /// <summary>
    /// Writes segment <paramref name="index"/> of <paramref name="packet"/> into <paramref name="destination"/>;
    /// returns its length. The destination must hold <see cref="TcpPacketLayout.HeaderLength"/> + maxPayload bytes.
    /// </summary>
    public static int WriteSegment(ReadOnlySpan<byte> packet, in TcpPacketLayout layout, int index, int maxPayload, Span<byte> destination)
    {
        int count = SegmentCount(layout, maxPayload);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)count, nameof(index));
        int payloadStart = index * maxPayload;
        int payloadLength = Math.Min(maxPayload, layout.PayloadLength - payloadStart);
        int length = layout.HeaderLength + payloadLength;
        packet[..layout.HeaderLength].CopyTo(destination);
        packet.Slice(layout.HeaderLength + payloadStart, payloadLength).CopyTo(destination[layout.HeaderLength..]);
        var segment = destination[..length];

        if (layout.IsIPv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[4..], (ushort)(length - IpConstants.Ipv6Header));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[2..], (ushort)length);
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(segment[4..]);
            BinaryPrimitives.WriteUInt16BigEndian(segment[4..], (ushort)(id + index));
            InternetChecksum.SetIpv4HeaderChecksum(segment[..layout.TcpOffset]);
        }

        var tcp = segment[layout.TcpOffset..];
        uint sequence = BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], unchecked(sequence + (uint)payloadStart));
        if (index > 0)
        {
            tcp[13] &= unchecked((byte)~FlagCwr);
        }

        if (index < count - 1)
        {
            tcp[13] &= unchecked((byte)~(FlagFin | FlagPsh));
        }

        SetTransportChecksum(segment, layout.IsIPv6, layout.TcpOffset, ProtocolTcp, checksumOffset: 16);
        return length;
    }

    /// <summary>
    /// Computes the full TCP or UDP checksum of <paramref name="packet"/> in place (the kernel left it partial:
    /// only the pseudo-header sum). Other protocols need nothing and return true; false when the packet does not parse.
    /// </summary>
    public static bool TryCompleteChecksum(Span<byte> packet)
    {
        if (!TryParseNetworkHeader(packet, out int ipHeaderLength, out byte protocol, out bool isIPv6))
        {
            return false;
        }

        switch (protocol)
        {
            case ProtocolTcp when packet.Length >= ipHeaderLength + 20:
                SetTransportChecksum(packet, isIPv6, ipHeaderLength, protocol, checksumOffset: 16);
                return true;
            case IpConstants.ProtocolUdp when packet.Length >= ipHeaderLength + IpConstants.UdpHeader:
                SetTransportChecksum(packet, isIPv6, ipHeaderLength, protocol, checksumOffset: 6);
                return true;
            case ProtocolTcp or IpConstants.ProtocolUdp:
                return false;
            default:
                return true;
        }
    }

    private static bool TryParseNetworkHeader(ReadOnlySpan<byte> packet, out int headerLength, out byte protocol, out bool isIPv6)
    {
        headerLength = 0;
        protocol = 0;
        isIPv6 = false;
        if (packet.Length < IpConstants.Ipv4MinHeader)
        {
            return false;
        }

        switch (packet[0] >> 4)
        {
            case 4:
                headerLength = (packet[0] & 0x0F) * 4;
                bool fragment = (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x3FFF) != 0;
                protocol = packet[9];
                return headerLength >= IpConstants.Ipv4MinHeader && headerLength <= packet.Length && !fragment;
            case 6 when packet.Length >= IpConstants.Ipv6Header:
                headerLength = IpConstants.Ipv6Header;
                protocol = packet[6];
                isIPv6 = true;
                return true;
            default:
                return false;
        }
    }

    private static void SetTransportChecksum(Span<byte> packet, bool isIPv6, int transportOffset, byte protocol, int checksumOffset)
    {
        var transport = packet[transportOffset..];
        transport[checksumOffset] = 0;
        transport[checksumOffset + 1] = 0;
        uint sum = isIPv6 ? InternetChecksum.Add(0, packet.Slice(8, 32)) : InternetChecksum.Add(0, packet.Slice(12, 8));
        sum += protocol + (uint)transport.Length;
        sum = InternetChecksum.Add(sum, transport);
        ushort checksum = InternetChecksum.Finish(sum);
        if (checksum == 0 && protocol == IpConstants.ProtocolUdp)
        {
            checksum = 0xFFFF;   // RFC 768: a computed zero is sent as all ones (zero means "no checksum")
        }

        BinaryPrimitives.WriteUInt16BigEndian(transport[checksumOffset..], checksum);
    }
}

/// <summary>Where the headers of a TCP packet end (<see cref="TcpSegmentation.TryParse"/>).</summary>
/// <param name="IsIPv6">IPv6 (no extension headers) rather than IPv4.</param>
/// <param name="TcpOffset">Length of the IP header: offset of the TCP header.</param>
/// <param name="HeaderLength">IP plus TCP header (options included): offset of the payload.</param>
/// <param name="PacketLength">Whole packet length.</param>
public readonly record struct TcpPacketLayout(bool IsIPv6, int TcpOffset, int HeaderLength, int PacketLength)
{
    public int PayloadLength => PacketLength - HeaderLength;
}
