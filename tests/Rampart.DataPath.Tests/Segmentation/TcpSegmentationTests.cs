using System.Buffers.Binary;
using System.Net;
using Rampart.DataPath.Packets;

namespace Rampart.DataPath.Tests.Segmentation;

public class TcpSegmentationTests
{
    private const byte Ack = 0x10;
    private const byte Psh = 0x08;
    private const byte Fin = 0x01;
    private const byte Cwr = 0x80;

    [Fact]
    public void Checksum_Rfc1071NumericalExample()
    {
        // RFC 1071 section 3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (ones' complement), checksum 220d.
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        var sum = InternetChecksum.Add(0, data);
        Assert.Equal(0x220d, InternetChecksum.Finish(sum));
        Assert.Equal(0xddf2, (ushort)~InternetChecksum.Finish(sum));
    }

    [Fact]
    public void Checksum_Ipv4HeaderExample()
    {
        // The classic IPv4 header example (192.168.0.1 -> 192.168.0.199, UDP, total length 115): checksum b861.
        var header = Hex.Parse("450000730000400040110000c0a80001c0a800c7");
        InternetChecksum.SetIpv4HeaderChecksum(header);
        Assert.Equal(0xb861, BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(10)));
    }

    [Fact]
    public void Checksum_WordAtATime_MatchesSixteenBitReference_ForEveryLengthAndStartSum()
    {
        var random = new Random(7);
        for (var length = 0; length < 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            foreach (uint start in new uint[] { 0, 0xFFFF, 0x1_2345, 0xFFFF_0000 })
            {
                Assert.Equal(InternetChecksum.Finish(ReferenceSum(start, data)), InternetChecksum.Finish(InternetChecksum.Add(start, data)));
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriteSegment_CutsSuperPacketLikeTheKernel(bool ipv6)
    {
        var packet = Tcp(ipv6, payloadLength: 3000, flags: Ack | Psh | Fin | Cwr, sequence: 0xFFFF_FC00);
        Assert.True(TcpSegmentation.TryParse(packet, out var layout));
        Assert.Equal(ipv6 ? 40 : 20, layout.TcpOffset);
        Assert.Equal(layout.TcpOffset + 32, layout.HeaderLength);
        Assert.Equal(3000, layout.PayloadLength);
        Assert.Equal(3, TcpSegmentation.SegmentCount(layout, 1000));
        Assert.Equal(4, TcpSegmentation.SegmentCount(layout, 999));

        var payload = new List<byte>();
        for (var index = 0; index < 3; index++)
        {
            var room = new byte[2048];
            int length = TcpSegmentation.WriteSegment(packet, layout, index, 1000, room);
            var segment = room.AsSpan(0, length);
            Assert.Equal(layout.HeaderLength + 1000, length);
            if (ipv6)
            {
                Assert.Equal(length - 40, BinaryPrimitives.ReadUInt16BigEndian(segment[4..]));
            }
            else
            {
                Assert.Equal(length, BinaryPrimitives.ReadUInt16BigEndian(segment[2..]));
                Assert.Equal(0x1000 + index, BinaryPrimitives.ReadUInt16BigEndian(segment[4..]));
                Assert.Equal(0, Packets.HeaderChecksumResidue(segment[..20]));
            }

            var tcp = segment[layout.TcpOffset..];
            Assert.Equal(unchecked(0xFFFF_FC00u + (uint)(index * 1000)), BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]));
            byte expectedFlags = index switch { 0 => Ack | Cwr, 1 => Ack, _ => Ack | Psh | Fin };
            Assert.Equal(expectedFlags, tcp[13]);
            Assert.True(segment[..layout.HeaderLength][(layout.TcpOffset + 20)..].SequenceEqual(packet.AsSpan(layout.TcpOffset + 20, 12)), "options copied");
            Assert.Equal(0, TransportResidue(segment, ipv6, layout.TcpOffset, 6));
            payload.AddRange(segment[layout.HeaderLength..].ToArray());
        }

        Assert.Equal(packet.AsSpan(layout.HeaderLength).ToArray(), payload.ToArray());
    }

    [Fact]
    public void WriteSegment_ShortLastSegment()
    {
        var packet = Tcp(ipv6: false, payloadLength: 2500, flags: Ack | Psh, sequence: 1);
        Assert.True(TcpSegmentation.TryParse(packet, out var layout));
        var room = new byte[2048];
        int length = TcpSegmentation.WriteSegment(packet, layout, 2, 1000, room);
        Assert.Equal(layout.HeaderLength + 500, length);
        Assert.Equal(Ack | Psh, room[layout.TcpOffset + 13]);
        Assert.Equal(0, TransportResidue(room.AsSpan(0, length), false, 20, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => TcpSegmentation.WriteSegment(packet, layout, 3, 1000, room));
    }

    [Fact]
    public void TryParse_RefusesWhatItCannotSegment()
    {
        var udp = Packets.Udp(IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2"), 100);
        Assert.False(TcpSegmentation.TryParse(udp, out _));

        var tcp = Tcp(ipv6: false, payloadLength: 100, flags: Ack, sequence: 1);
        Assert.False(TcpSegmentation.TryParse(tcp.AsSpan(0, 30), out _));   // truncated TCP header

        var fragment = (byte[])tcp.Clone();
        fragment[6] |= 0x20;   // more fragments
        Assert.False(TcpSegmentation.TryParse(fragment, out _));

        var badOffset = (byte[])tcp.Clone();
        badOffset[20 + 12] = 0x40;   // data offset 16 bytes
        Assert.False(TcpSegmentation.TryParse(badOffset, out _));

        var longOffset = (byte[])tcp.Clone();
        longOffset[20 + 12] = 0xF0;   // 60-byte header in a 52-byte-header packet of 152 bytes: fine; truncate it
        Assert.False(TcpSegmentation.TryParse(longOffset.AsSpan(0, 70), out _));

        Assert.False(TcpSegmentation.TryParse([0x45, 0, 0], out _));
        Assert.False(TcpSegmentation.TryParse(new byte[40], out _));   // version 0
    }

    [Theory]
    [InlineData(false, 6)]
    [InlineData(true, 6)]
    [InlineData(false, 17)]
    [InlineData(true, 17)]
    public void TryCompleteChecksum_FillsPartialChecksum(bool ipv6, byte protocol)
    {
        var packet = protocol == 6
            ? Tcp(ipv6, payloadLength: 777, flags: Ack, sequence: 5)
            : Packets.Udp(ipv6 ? IPAddress.Parse("2001:db8::1") : IPAddress.Parse("192.0.2.1"), ipv6 ? IPAddress.Parse("2001:db8::2") : IPAddress.Parse("192.0.2.2"), 777);
        int transport = ipv6 ? 40 : 20;
        int checksumOffset = transport + (protocol == 6 ? 16 : 6);
        packet[checksumOffset] = 0x12;   // what the kernel leaves: some partial sum
        packet[checksumOffset + 1] = 0x34;
        Assert.True(TcpSegmentation.TryCompleteChecksum(packet));
        Assert.Equal(0, TransportResidue(packet, ipv6, transport, protocol));
        Assert.False(TcpSegmentation.TryCompleteChecksum(packet.AsSpan(0, transport + 4)));
    }

    private static byte[] Tcp(bool ipv6, int payloadLength, byte flags, uint sequence)
    {
        int ipLength = ipv6 ? 40 : 20;
        var packet = new byte[ipLength + 32 + payloadLength];
        var span = packet.AsSpan();
        if (ipv6)
        {
            span[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)(packet.Length - 40));
            span[6] = 6;
            span[7] = 64;
            IPAddress.Parse("2001:db8::1").GetAddressBytes().CopyTo(span[8..]);
            IPAddress.Parse("2001:db8::2").GetAddressBytes().CopyTo(span[24..]);
        }
        else
        {
            span[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)packet.Length);
            BinaryPrimitives.WriteUInt16BigEndian(span[4..], 0x1000);
            span[6] = 0x40;   // DF
            span[8] = 64;
            span[9] = 6;
            IPAddress.Parse("192.0.2.1").GetAddressBytes().CopyTo(span[12..]);
            IPAddress.Parse("192.0.2.2").GetAddressBytes().CopyTo(span[16..]);
            InternetChecksum.SetIpv4HeaderChecksum(span[..20]);
        }

        var tcp = span[ipLength..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 5201);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], 77);
        tcp[12] = 8 << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 512);
        byte[] timestamps = [1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 3];
        timestamps.CopyTo(tcp[20..]);
        for (var i = 0; i < payloadLength; i++)
        {
            tcp[32 + i] = (byte)(i * 7);
        }

        return packet;
    }

    /// <summary>Folded sum over pseudo header and transport segment, checksum included: 0 when it is right.</summary>
    private static ushort TransportResidue(ReadOnlySpan<byte> packet, bool ipv6, int transportOffset, byte protocol)
    {
        var transport = packet[transportOffset..];
        uint sum = ReferenceSum(0, ipv6 ? packet.Slice(8, 32) : packet.Slice(12, 8));
        sum += protocol + (uint)transport.Length;
        return InternetChecksum.Finish(ReferenceSum(sum, transport));
    }

    /// <summary>RFC 1071 the simple way: 16-bit big-endian words, odd byte padded.</summary>
    private static uint ReferenceSum(uint sum, ReadOnlySpan<byte> data)
    {
        ulong wide = sum;
        for (var i = 0; i < data.Length; i += 2)
        {
            wide += (uint)(data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0u);
        }

        while (wide >> 16 != 0)
        {
            wide = (wide & 0xFFFF) + (wide >> 16);
        }

        return (uint)wide;
    }
}
