using System.Buffers.Binary;

namespace Rampart.Core.Filtering;

/// <summary>
/// What filters match on: the addresses, protocol and ports of one IP packet. Ports are zero for
/// protocols without ports and for non-first fragments (which carry no transport header).
/// </summary>
public readonly record struct FlowKey(UInt128 Source, UInt128 Destination, bool IsIPv6, byte Protocol, ushort SourcePort, ushort DestinationPort)
{
    public const byte Tcp = 6;
    public const byte Udp = 17;
    private const int MaxIPv6ExtensionHeaders = 8;

    /// <summary>Reads the flow of an IPv4 or IPv6 packet; false for anything too short or malformed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out FlowKey flow)
    {
        flow = default;
        if (packet.IsEmpty)
        {
            return false;
        }

        return (packet[0] >> 4) switch
        {
            4 => TryParseIPv4(packet, out flow),
            6 => TryParseIPv6(packet, out flow),
            _ => false,
        };
    }

    private static bool TryParseIPv4(ReadOnlySpan<byte> packet, out FlowKey flow)
    {
        flow = default;
        if (packet.Length < 20)
        {
            return false;
        }

        var headerLength = (packet[0] & 0x0F) * 4;
        if (headerLength < 20 || packet.Length < headerLength)
        {
            return false;
        }

        var protocol = packet[9];
        var source = BinaryPrimitives.ReadUInt32BigEndian(packet[12..]);
        var destination = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]);
        var fragmentOffset = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x1FFF;
        ushort sourcePort = 0, destinationPort = 0;
        if (fragmentOffset == 0 && HasPorts(protocol) && packet.Length >= headerLength + 4)
        {
            sourcePort = BinaryPrimitives.ReadUInt16BigEndian(packet[headerLength..]);
            destinationPort = BinaryPrimitives.ReadUInt16BigEndian(packet[(headerLength + 2)..]);
        }

        flow = new FlowKey(source, destination, false, protocol, sourcePort, destinationPort);
        return true;
    }

    private static bool TryParseIPv6(ReadOnlySpan<byte> packet, out FlowKey flow)
    {
        flow = default;
        if (packet.Length < 40)
        {
            return false;
        }

        var source = BinaryPrimitives.ReadUInt128BigEndian(packet[8..]);
        var destination = BinaryPrimitives.ReadUInt128BigEndian(packet[24..]);
        var nextHeader = packet[6];
        var offset = 40;
        var firstFragment = true;
        for (var i = 0; i < MaxIPv6ExtensionHeaders && IsExtensionHeader(nextHeader); i++)
        {
            if (packet.Length < offset + 8)
            {
                return false;
            }

            if (nextHeader == 44)
            {
                firstFragment = (BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]) & 0xFFF8) == 0;
                nextHeader = packet[offset];
                offset += 8;
            }
            else
            {
                var length = (packet[offset + 1] + 1) * 8;
                nextHeader = packet[offset];
                offset += length;
            }
        }

        if (IsExtensionHeader(nextHeader) || offset > packet.Length)
        {
            return false;
        }

        ushort sourcePort = 0, destinationPort = 0;
        if (firstFragment && HasPorts(nextHeader) && packet.Length >= offset + 4)
        {
            sourcePort = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
            destinationPort = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
        }

        flow = new FlowKey(source, destination, true, nextHeader, sourcePort, destinationPort);
        return true;
    }

    // Hop-by-hop, routing, fragment and destination options; ESP/AH end the walk (they are the protocol).
    private static bool IsExtensionHeader(byte nextHeader) => nextHeader is 0 or 43 or 44 or 60;

    private static bool HasPorts(byte protocol) => protocol is Tcp or Udp or 132 /* SCTP */;

    /// <summary>The same flow seen from the other end.</summary>
    public FlowKey Reversed() => new(Destination, Source, IsIPv6, Protocol, DestinationPort, SourcePort);

    public override string ToString() =>
        $"{AddressPrefix.ToAddress(Source, IsIPv6)}:{SourcePort} -> {AddressPrefix.ToAddress(Destination, IsIPv6)}:{DestinationPort} proto {Protocol}";
}
