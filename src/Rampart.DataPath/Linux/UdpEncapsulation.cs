using System.Buffers.Binary;
using Rampart.Core;

namespace Rampart.DataPath.Linux;

/// <summary>What a packet queued from UDP port 4500 carries (RFC 3948 section 2).</summary>
public enum UdpEncapsulationKind : byte
{
    /// <summary>Not a UDP datagram to port 4500, or truncated/inconsistent headers: drop.</summary>
    Malformed,

    /// <summary>IKE after the zero non-ESP marker: accept unmodified for the IKE socket.</summary>
    Ike,

    /// <summary>NAT keepalive (one 0xFF byte): accept unmodified or drop, never decrypt.</summary>
    Keepalive,

    /// <summary>ESP-in-UDP: the ESP header starts at the returned offset.</summary>
    Esp,
}

/// <summary>Sorts inbound UDP 4500 packets so only ESP reaches the transform; IPv4 and IPv6 without extension headers.</summary>
public static class UdpEncapsulation
{
    private const int UdpHeaderLength = 8;
    private const int EspHeaderLength = 8;

    /// <param name="packet">The whole IP packet, IP header first.</param>
    /// <param name="espOffset">For <see cref="UdpEncapsulationKind.Esp"/>: offset of the ESP header in <paramref name="packet"/>.</param>
    public static UdpEncapsulationKind Classify(ReadOnlySpan<byte> packet, out int espOffset)
    {
        espOffset = 0;
        if (!TryFindUdp(packet, out int udpOffset))
        {
            return UdpEncapsulationKind.Malformed;
        }

        var udp = packet[udpOffset..];
        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        if (BinaryPrimitives.ReadUInt16BigEndian(udp[2..]) != IkePorts.NatTraversal || udpLength < UdpHeaderLength || udpLength > udp.Length)
        {
            return UdpEncapsulationKind.Malformed;
        }

        var payload = udp[UdpHeaderLength..udpLength];
        if (payload.Length == 1 && payload[0] == 0xff)
        {
            return UdpEncapsulationKind.Keepalive;
        }

        if (payload.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(payload) == 0)
        {
            return UdpEncapsulationKind.Ike;
        }

        if (payload.Length < EspHeaderLength)
        {
            return UdpEncapsulationKind.Malformed;
        }

        espOffset = udpOffset + UdpHeaderLength;
        return UdpEncapsulationKind.Esp;
    }

    private static bool TryFindUdp(ReadOnlySpan<byte> packet, out int udpOffset)
    {
        udpOffset = 0;
        if (packet.IsEmpty)
        {
            return false;
        }

        switch (packet[0] >> 4)
        {
            case 4 when packet.Length >= 20:
                udpOffset = (packet[0] & 0xf) * 4;
                bool firstFragment = (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x1fff) == 0;
                return udpOffset >= 20 && packet[9] == 17 && firstFragment && packet.Length >= udpOffset + UdpHeaderLength;
            case 6 when packet.Length >= 40:
                udpOffset = 40;
                return packet[6] == 17 && packet.Length >= udpOffset + UdpHeaderLength;
            default:
                return false;
        }
    }
}
