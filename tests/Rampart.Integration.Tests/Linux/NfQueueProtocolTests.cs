using System.Buffers.Binary;
using Rampart.DataPath.Linux;

namespace Rampart.Integration.Tests.Linux;

/// <summary>The nfnetlink_queue codec against hand-built messages in the kernel's layout, valid and malformed.</summary>
public sealed class NfQueueProtocolTests
{
    private static readonly byte[] Payload = [0x45, 0x00, 0x00, 0x1d, 1, 2, 3, 4, 5];

    [Fact]
    public void TryParsePacket_KernelLayout_ReadsEveryField()
    {
        byte[] message = BuildPacketMessage(Payload);

        Assert.True(NfQueueProtocol.TryParsePacket(message, out var metadata, out int offset, out int length));

        Assert.Equal(7, metadata.QueueNumber);
        Assert.Equal(0x01020304u, metadata.PacketId);
        Assert.Equal(0x0800, metadata.HardwareProtocol);
        Assert.Equal(4, metadata.Hook);
        Assert.Equal(0x00100000u, metadata.Mark);
        Assert.Equal(3u, metadata.OutputInterface);
        Assert.Equal(Payload, message.AsSpan(offset, length).ToArray());
    }

    [Fact]
    public void TryParsePacket_EveryTruncation_ReturnsFalseWithoutThrowing()
    {
        byte[] message = BuildPacketMessage(Payload);
        for (int length = 0; length < message.Length; length++)
        {
            Assert.False(NfQueueProtocol.TryParsePacket(message.AsSpan(0, length), out _, out _, out _), $"accepted {length} of {message.Length} bytes");
        }

        // Also when the netlink length agrees with the cut (the payload's padding is the last 3 bytes).
        for (int length = 16; length < message.Length - 3; length++)
        {
            byte[] truncated = message[..length];
            BinaryPrimitives.WriteUInt32LittleEndian(truncated, (uint)length);
            Assert.False(NfQueueProtocol.TryParsePacket(truncated, out _, out _, out _), $"accepted a consistent cut at {length}");
        }
    }

    [Fact]
    public void TryParsePacket_AttributeLengthPastTheEnd_ReturnsFalse()
    {
        byte[] message = BuildPacketMessage(Payload);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(20), 0xfff0);

        Assert.False(NfQueueProtocol.TryParsePacket(message, out _, out _, out _));
    }

    [Fact]
    public void TryParsePacket_AttributeShorterThanItsHeader_ReturnsFalse()
    {
        byte[] message = BuildPacketMessage(Payload);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(20), 2);

        Assert.False(NfQueueProtocol.TryParsePacket(message, out _, out _, out _));
    }

    [Fact]
    public void TryParsePacket_WithoutPayload_ReturnsFalse()
    {
        byte[] message = BuildPacketMessage(null);

        Assert.False(NfQueueProtocol.TryParsePacket(message, out _, out _, out _));
    }

    [Fact]
    public void TryParsePacket_RandomBytes_NeverThrows()
    {
        var random = new Random(3);
        byte[] message = BuildPacketMessage(Payload);
        for (int i = 0; i < 10_000; i++)
        {
            byte[] mutated = (byte[])message.Clone();
            mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            if (NfQueueProtocol.TryParsePacket(mutated, out _, out int offset, out int length))
            {
                Assert.InRange(offset + length, 0, mutated.Length);
            }
        }
    }

    [Fact]
    public void TryReadError_NegativeErrno_ReturnsPositiveErrno()
    {
        byte[] message = new byte[36];
        NfQueueProtocol.WriteNetlinkHeader(message, message.Length, NfQueueProtocol.NetlinkError, 0, 9);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(16), -1);

        Assert.True(NfQueueProtocol.TryReadError(message, out int errno));
        Assert.Equal(1, errno);
        Assert.False(NfQueueProtocol.TryReadError(BuildPacketMessage(Payload), out _));
    }

    [Fact]
    public void QueuedPacket_ModifiedBeyondTheVerdictLimit_BecomesDrop()
    {
        var packet = default(QueuedPacket);
        packet.Reset(new byte[70_000], default, 256, 100);

        packet.AcceptModified(0, 65_532);

        Assert.Equal(QueueVerdict.Drop, packet.Verdict);
        packet.AcceptModified(0, 65_531);
        Assert.Equal(QueueVerdict.AcceptModified, packet.Verdict);
        packet.AcceptModified(69_990, 20);
        Assert.Equal(QueueVerdict.Drop, packet.Verdict);
        packet.AcceptModified(200, 120);
        Assert.Equal(QueueVerdict.AcceptModified, packet.Verdict);
        Assert.Equal(120, packet.Data.Length);
    }

    /// <summary>nlmsghdr + nfgenmsg(queue 7) + PACKET_HDR + MARK + OUTDEV + optional PAYLOAD, as the kernel sends.</summary>
    private static byte[] BuildPacketMessage(byte[]? payload)
    {
        byte[] message = new byte[128];
        int length = NfQueueProtocol.MessageHeaderLength;
        NfQueueProtocol.WriteGenericHeader(message.AsSpan(16), 2, 7);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(length + 4), 0x01020304);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(length + 8), 0x0800);
        message[length + 10] = 4;
        length += NfQueueProtocol.WriteAttributeHeader(message.AsSpan(length), NfQueueProtocol.AttributePacketHeader, 7);
        length += NfQueueProtocol.WriteUInt32Attribute(message.AsSpan(length), NfQueueProtocol.AttributeMark, 0x00100000);
        length += NfQueueProtocol.WriteUInt32Attribute(message.AsSpan(length), NfQueueProtocol.AttributeOutputInterface, 3);
        if (payload is not null)
        {
            payload.CopyTo(message.AsSpan(length + 4));
            length += NfQueueProtocol.WriteAttributeHeader(message.AsSpan(length), NfQueueProtocol.AttributePayload, payload.Length);
        }

        NfQueueProtocol.WriteNetlinkHeader(message, length, NfQueueProtocol.MessagePacket, 0, 0);
        return message[..length];
    }
}
