using System.Buffers.Binary;
using Rampart.DataPath.Linux;

namespace Rampart.Integration.Tests.Linux;

/// <summary>RFC 3948 section 2: non-ESP marker, NAT keepalive and ESP-in-UDP on port 4500.</summary>
public sealed class UdpEncapsulationTests
{
    [Fact]
    public void Classify_ZeroMarker_IsIke() =>
        Assert.Equal(UdpEncapsulationKind.Ike, UdpEncapsulation.Classify(Ipv4Udp(4500, [0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55]), out _));

    [Fact]
    public void Classify_SingleFf_IsKeepalive() =>
        Assert.Equal(UdpEncapsulationKind.Keepalive, UdpEncapsulation.Classify(Ipv4Udp(4500, [0xff]), out _));

    [Fact]
    public void Classify_NonZeroSpi_IsEspAfterTheUdpHeader()
    {
        byte[] packet = Ipv4Udp(4500, [0, 0, 0x12, 0x34, 0, 0, 0, 1, 0xaa, 0xbb]);

        Assert.Equal(UdpEncapsulationKind.Esp, UdpEncapsulation.Classify(packet, out int offset));
        Assert.Equal(28, offset);
        Assert.Equal(0x1234u, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(offset)));
    }

    [Fact]
    public void Classify_Ipv6Esp_IsEspAfterTheUdpHeader()
    {
        byte[] packet = new byte[40 + 8 + 12];
        packet[0] = 0x60;
        packet[6] = 17;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(42), 4500);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(44), 20);
        packet[51] = 9;

        Assert.Equal(UdpEncapsulationKind.Esp, UdpEncapsulation.Classify(packet, out int offset));
        Assert.Equal(48, offset);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(4501)]
    public void Classify_OtherPort_IsMalformed(int port) =>
        Assert.Equal(UdpEncapsulationKind.Malformed, UdpEncapsulation.Classify(Ipv4Udp((ushort)port, [0, 0, 0x12, 0x34, 0, 0, 0, 1]), out _));

    [Fact]
    public void Classify_EveryTruncationOrShortEsp_IsMalformedNeverThrows()
    {
        byte[] packet = Ipv4Udp(4500, [0, 0, 0x12, 0x34, 0, 0, 0, 1]);
        for (int length = 0; length < packet.Length; length++)
        {
            Assert.Equal(UdpEncapsulationKind.Malformed, UdpEncapsulation.Classify(packet.AsSpan(0, length), out _));
        }

        Assert.Equal(UdpEncapsulationKind.Malformed, UdpEncapsulation.Classify(Ipv4Udp(4500, [0, 0, 0x12, 0x34, 0]), out _));
    }

    private static byte[] Ipv4Udp(ushort destinationPort, byte[] payload)
    {
        byte[] packet = new byte[20 + 8 + payload.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[9] = 17;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 4500);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + payload.Length));
        payload.CopyTo(packet, 28);
        return packet;
    }
}
