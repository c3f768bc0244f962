using System.Buffers.Binary;

namespace Rampart.DataPath.Linux;

/// <summary>
/// Wire format of nfnetlink_queue (linux/netfilter/nfnetlink_queue.h): nlmsghdr (host order),
/// nfgenmsg (res_id big-endian), then 4-byte-aligned attributes whose values are big-endian.
/// </summary>
internal static class NfQueueProtocol
{
    public const int NetlinkHeaderLength = 16;
    public const int GenericHeaderLength = 4;
    public const int AttributeHeaderLength = 4;
    public const int MessageHeaderLength = NetlinkHeaderLength + GenericHeaderLength;

    public const ushort NetlinkError = 2;
    public const ushort FlagRequest = 0x1;
    public const ushort FlagAck = 0x4;

    private const ushort SubsystemQueue = 3;
    public const ushort MessagePacket = SubsystemQueue << 8;
    public const ushort MessageVerdict = (SubsystemQueue << 8) | 1;
    public const ushort MessageConfig = (SubsystemQueue << 8) | 2;

    public const ushort AttributePacketHeader = 1;
    public const ushort AttributeVerdictHeader = 2;
    public const ushort AttributeMark = 3;
    public const ushort AttributeInputInterface = 5;
    public const ushort AttributeOutputInterface = 6;
    public const ushort AttributePayload = 10;
    private const ushort AttributeTypeMask = 0x3fff;

    public const ushort ConfigCommand = 1;
    public const ushort ConfigParameters = 2;
    public const ushort ConfigQueueMaxLength = 3;
    public const ushort ConfigMask = 4;
    public const ushort ConfigFlags = 5;

    public const byte CommandBind = 1;
    public const byte CopyPacket = 2;
    public const uint FlagFailOpen = 1;
    public const uint FlagGso = 4;

    public const uint VerdictDrop = 0;
    public const uint VerdictAccept = 1;

    /// <summary>Largest payload a verdict can carry: the attribute length (header included) is 16 bits.</summary>
    public const int MaxPayloadLength = ushort.MaxValue - AttributeHeaderLength;

    public static int Align(int length) => (length + 3) & ~3;

    public static void WriteNetlinkHeader(Span<byte> destination, int length, ushort type, ushort flags, uint sequence)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], 0);
    }

    public static void WriteGenericHeader(Span<byte> destination, byte family, ushort queueNumber)
    {
        destination[0] = family;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], queueNumber);
    }

    /// <summary>Writes an attribute header; returns the aligned size of the whole attribute.</summary>
    public static int WriteAttributeHeader(Span<byte> destination, ushort type, int valueLength)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)(AttributeHeaderLength + valueLength));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], type);
        return Align(AttributeHeaderLength + valueLength);
    }

    public static int WriteUInt32Attribute(Span<byte> destination, ushort type, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination[AttributeHeaderLength..], value);
        return WriteAttributeHeader(destination, type, 4);
    }

    /// <summary>Reads the errno of an NLMSG_ERROR message (0 = ACK).</summary>
    public static bool TryReadError(ReadOnlySpan<byte> message, out int errno)
    {
        errno = 0;
        if (message.Length < NetlinkHeaderLength + 4 || BinaryPrimitives.ReadUInt16LittleEndian(message[4..]) != NetlinkError)
        {
            return false;
        }

        errno = -BinaryPrimitives.ReadInt32LittleEndian(message[NetlinkHeaderLength..]);
        return true;
    }

    /// <summary>
    /// Parses one NFQNL_MSG_PACKET. Returns false for anything else or for malformed input
    /// (short headers, attribute lengths running past the message, no packet header or payload).
    /// </summary>
    public static bool TryParsePacket(ReadOnlySpan<byte> message, out PacketMetadata metadata, out int payloadOffset, out int payloadLength)
    {
        metadata = default;
        payloadOffset = 0;
        payloadLength = 0;
        if (message.Length < MessageHeaderLength)
        {
            return false;
        }

        int messageLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(message);
        if (messageLength < MessageHeaderLength || messageLength > message.Length
            || BinaryPrimitives.ReadUInt16LittleEndian(message[4..]) != MessagePacket)
        {
            return false;
        }

        metadata.QueueNumber = BinaryPrimitives.ReadUInt16BigEndian(message[(NetlinkHeaderLength + 2)..]);
        bool sawHeader = false;
        bool sawPayload = false;
        int offset = MessageHeaderLength;
        while (offset + AttributeHeaderLength <= messageLength)
        {
            int attributeLength = BinaryPrimitives.ReadUInt16LittleEndian(message[offset..]);
            if (attributeLength < AttributeHeaderLength || offset + attributeLength > messageLength)
            {
                return false;
            }

            var value = message.Slice(offset + AttributeHeaderLength, attributeLength - AttributeHeaderLength);
            switch (BinaryPrimitives.ReadUInt16LittleEndian(message[(offset + 2)..]) & AttributeTypeMask)
            {
                case AttributePacketHeader when value.Length >= 7:
                    metadata.PacketId = BinaryPrimitives.ReadUInt32BigEndian(value);
                    metadata.HardwareProtocol = BinaryPrimitives.ReadUInt16BigEndian(value[4..]);
                    metadata.Hook = value[6];
                    sawHeader = true;
                    break;
                case AttributeMark when value.Length >= 4:
                    metadata.Mark = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case AttributeInputInterface when value.Length >= 4:
                    metadata.InputInterface = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case AttributeOutputInterface when value.Length >= 4:
                    metadata.OutputInterface = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case AttributePayload:
                    payloadOffset = offset + AttributeHeaderLength;
                    payloadLength = value.Length;
                    sawPayload = true;
                    break;
            }

            offset += Align(attributeLength);
        }

        return sawHeader && sawPayload;
    }
}

/// <summary>What the kernel tells us about a queued packet besides its bytes.</summary>
public struct PacketMetadata
{
    public ushort QueueNumber { get; set; }
    public uint PacketId { get; set; }

    /// <summary>EtherType of the packet: 0x0800 IPv4, 0x86DD IPv6.</summary>
    public ushort HardwareProtocol { get; set; }

    /// <summary>Netfilter hook: 0 PREROUTING, 1 INPUT, 2 FORWARD, 3 OUTPUT, 4 POSTROUTING.</summary>
    public byte Hook { get; set; }

    public uint Mark { get; set; }
    public uint InputInterface { get; set; }
    public uint OutputInterface { get; set; }
}
