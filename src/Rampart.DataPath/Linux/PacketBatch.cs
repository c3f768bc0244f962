using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Rampart.DataPath.Interop;

namespace Rampart.DataPath.Linux;

/// <summary>
/// Preallocated, pinned receive slots for one batch of queued packets plus the native recvmmsg and
/// sendmsg descriptors that point into them; reused for every batch, so nothing is allocated per packet.
/// The netlink headers are received in front of the payload and become its headroom once parsed.
/// </summary>
public sealed unsafe class PacketBatch : IDisposable
{
    /// <summary>Where a message is received in its slot: at least this much headroom before every payload.</summary>
    public const int Headroom = 256;

    /// <summary>Room behind the largest payload for trailers (and the netlink headers before it).</summary>
    private const int SlotLength = Headroom + 65536 + 512;

    private const int VerdictHeaderLength = 64;

    private readonly byte[][] _slots;
    private readonly QueuedPacket[] _packets;
    private readonly Libc.MultiMessageHeader* _receiveHeaders;
    private readonly Libc.IoVector* _receiveVectors;
    private readonly Libc.IoVector* _sendVectors;
    private readonly byte* _verdictHeaders;
    private readonly byte* _padding;
    private bool _disposed;

    public PacketBatch(int capacity = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 256);
        Capacity = capacity;
        _slots = new byte[capacity][];
        _packets = new QueuedPacket[capacity];
        _receiveHeaders = (Libc.MultiMessageHeader*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(Libc.MultiMessageHeader)));
        _receiveVectors = (Libc.IoVector*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(Libc.IoVector)));
        _sendVectors = (Libc.IoVector*)NativeMemory.AllocZeroed((nuint)(capacity * 3 * sizeof(Libc.IoVector)));
        _verdictHeaders = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * VerdictHeaderLength));
        _padding = (byte*)NativeMemory.AllocZeroed(4);
        for (int i = 0; i < capacity; i++)
        {
            _slots[i] = GC.AllocateArray<byte>(SlotLength, pinned: true);
            _receiveVectors[i].Base = SlotPointer(i) + Headroom;
            _receiveVectors[i].Length = SlotLength - Headroom;
            _receiveHeaders[i].Header.Vectors = &_receiveVectors[i];
            _receiveHeaders[i].Header.VectorCount = 1;
        }
    }

    public int Capacity { get; }

    /// <summary>Number of packets in this batch.</summary>
    public int Count { get; private set; }

    public ref QueuedPacket this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return ref _packets[index];
        }
    }

    internal Libc.MultiMessageHeader* ReceiveHeaders => _receiveHeaders;

    internal void Clear() => Count = 0;

    /// <summary>The bytes received into slot <paramref name="slot"/> (one netlink datagram).</summary>
    internal ReadOnlySpan<byte> Received(int slot) => _slots[slot].AsSpan(Headroom, (int)_receiveHeaders[slot].Length);

    /// <summary>Moves the packet received in <paramref name="slot"/> into position <see cref="Count"/>.</summary>
    internal void Add(int slot, PacketMetadata metadata, int payloadOffset, int payloadLength)
    {
        int index = Count++;
        if (index != slot)
        {
            // Keep packets contiguous when a slot held a non-packet message: swap the buffers, not the bytes.
            (_slots[index], _slots[slot]) = (_slots[slot], _slots[index]);
            _receiveVectors[index].Base = SlotPointer(index) + Headroom;
            _receiveVectors[slot].Base = SlotPointer(slot) + Headroom;
        }

        _packets[index].Reset(_slots[index], metadata, Headroom + payloadOffset, payloadLength);
    }

    /// <summary>Copies <paramref name="packet"/> into the next slot as a receive would (in-memory queues); false when the batch is full.</summary>
    internal bool TryLoad(ReadOnlySpan<byte> packet, PacketMetadata metadata)
    {
        if (Count == Capacity || packet.Length is 0 or > NfQueueProtocol.MaxPayloadLength)
        {
            return false;
        }

        packet.CopyTo(_slots[Count].AsSpan(Headroom));
        Add(Count, metadata, 0, packet.Length);
        return true;
    }

    /// <summary>Fills <paramref name="message"/> with one netlink verdict message per packet not deferred, as iovecs; returns how many.</summary>
    internal int BuildVerdicts(Libc.MessageHeader* message, ushort queueNumber, ref uint sequence)
    {
        int vectorCount = 0;
        int verdicts = 0;
        for (int i = 0; i < Count; i++)
        {
            ref var packet = ref _packets[i];
            if (packet.Deferred)
            {
                continue;
            }

            verdicts++;
            var header = new Span<byte>(_verdictHeaders + i * VerdictHeaderLength, VerdictHeaderLength);
            int length = NfQueueProtocol.MessageHeaderLength;
            NfQueueProtocol.WriteGenericHeader(header[NfQueueProtocol.NetlinkHeaderLength..], 0, queueNumber);
            var verdictValue = header[(length + NfQueueProtocol.AttributeHeaderLength)..];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(
                verdictValue,
                packet.Verdict == QueueVerdict.Drop ? NfQueueProtocol.VerdictDrop : NfQueueProtocol.VerdictAccept);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(verdictValue[4..], packet.Metadata.PacketId);
            length += NfQueueProtocol.WriteAttributeHeader(header[length..], NfQueueProtocol.AttributeVerdictHeader, 8);
            if (packet.SetsMark)
            {
                length += NfQueueProtocol.WriteUInt32Attribute(header[length..], NfQueueProtocol.AttributeMark, packet.NewMark);
            }

            int payloadLength = 0;
            if (packet.Verdict == QueueVerdict.AcceptModified)
            {
                payloadLength = packet.Length;
                NfQueueProtocol.WriteAttributeHeader(header[length..], NfQueueProtocol.AttributePayload, payloadLength);
                length += NfQueueProtocol.AttributeHeaderLength;
            }

            int padding = NfQueueProtocol.Align(payloadLength) - payloadLength;
            NfQueueProtocol.WriteNetlinkHeader(header, length + payloadLength + padding, NfQueueProtocol.MessageVerdict, NfQueueProtocol.FlagRequest, ++sequence);
            _sendVectors[vectorCount++] = new Libc.IoVector { Base = _verdictHeaders + i * VerdictHeaderLength, Length = (nuint)length };
            if (payloadLength > 0)
            {
                _sendVectors[vectorCount++] = new Libc.IoVector { Base = SlotPointer(i) + packet.Offset, Length = (nuint)payloadLength };
                if (padding > 0)
                {
                    _sendVectors[vectorCount++] = new Libc.IoVector { Base = _padding, Length = (nuint)padding };
                }
            }
        }

        *message = default;
        message->Vectors = _sendVectors;
        message->VectorCount = (nuint)vectorCount;
        return verdicts;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        NativeMemory.Free(_receiveHeaders);
        NativeMemory.Free(_receiveVectors);
        NativeMemory.Free(_sendVectors);
        NativeMemory.Free(_verdictHeaders);
        NativeMemory.Free(_padding);
    }

    private byte* SlotPointer(int slot) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_slots[slot]));
}
