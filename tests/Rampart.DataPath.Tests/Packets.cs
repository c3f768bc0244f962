using System.Buffers.Binary;
using System.Net;
using Rampart.DataPath.Packets;

namespace Rampart.DataPath.Tests;

/// <summary>Builds plain IPv4/IPv6 UDP packets for the tests.</summary>
internal static class Packets
{
    public static byte[] Udp(IPAddress source, IPAddress destination, int payloadLength, byte fill = 0x5A)
    {
        var ipv6 = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var headerLength = ipv6 ? 40 : 20;
        var packet = new byte[headerLength + 8 + payloadLength];
        var span = packet.AsSpan();
        if (ipv6)
        {
            span[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)(packet.Length - 40));
            span[6] = 17;
            span[7] = 64;
            source.GetAddressBytes().CopyTo(span[8..]);
            destination.GetAddressBytes().CopyTo(span[24..]);
        }
        else
        {
            span[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)packet.Length);
            BinaryPrimitives.WriteUInt16BigEndian(span[4..], 0x1234);
            span[8] = 64;
            span[9] = 17;
            source.GetAddressBytes().CopyTo(span[12..]);
            destination.GetAddressBytes().CopyTo(span[16..]);
            InternetChecksum.SetIpv4HeaderChecksum(span[..20]);
        }

        var udp = span[headerLength..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 7);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payloadLength));
        for (var i = 0; i < payloadLength; i++)
        {
            udp[8 + i] = (byte)(fill + i);
        }

        return packet;
    }

    /// <summary>Folded sum of a header including its checksum: 0 means the checksum is right.</summary>
    public static ushort HeaderChecksumResidue(ReadOnlySpan<byte> header) => InternetChecksum.Finish(InternetChecksum.Add(0, header));

    public static void FixIpv4Checksum(byte[] packet) => InternetChecksum.SetIpv4HeaderChecksum(packet.AsSpan(0, (packet[0] & 0x0F) * 4));
}
