using System.Buffers.Binary;
using System.Net;
using Rampart.DataPath.Packets;

namespace Rampart.Agent.Tests;

/// <summary>Packets the tests feed a data path.</summary>
internal static class TestPackets
{
    /// <summary>An IPv4 UDP datagram from port 40000 to port 7 with a valid header checksum and a 0x5A-filled payload.</summary>
    public static byte[] Udp(IPAddress source, IPAddress destination, int payloadLength = 16)
    {
        var packet = new byte[28 + payloadLength];
        var span = packet.AsSpan();
        span[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)packet.Length);
        span[8] = 64;
        span[9] = 17;
        source.GetAddressBytes().CopyTo(span[12..]);
        destination.GetAddressBytes().CopyTo(span[16..]);
        InternetChecksum.SetIpv4HeaderChecksum(span[..20]);
        BinaryPrimitives.WriteUInt16BigEndian(span[20..], 40000);
        BinaryPrimitives.WriteUInt16BigEndian(span[22..], 7);
        BinaryPrimitives.WriteUInt16BigEndian(span[24..], (ushort)(8 + payloadLength));
        span[28..].Fill(0x5A);
        return packet;
    }
}
