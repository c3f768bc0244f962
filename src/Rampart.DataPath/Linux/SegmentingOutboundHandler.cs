using Rampart.DataPath.Buffers;
using Rampart.DataPath.Packets;
using Rampart.DataPath.Pipeline;

namespace Rampart.DataPath.Linux;

/// <summary>
/// The outbound handler for a queue configured with GSO (<see cref="NfQueueSocket"/> gso: true). A TCP super-packet
/// is cut into segments that fit the link once protected, each segment goes through the <see cref="DataPathEngine"/>
/// in a pooled buffer, and the results leave through <see cref="RawPacketSender"/> in one sendmmsg; the original gets a
/// Drop verdict. One queue round trip then carries up to ~48 segments instead of one. Protected TCP packets that were
/// not segmented leave the same way so a flow keeps its order; everything else (and anything that no longer fits the
/// link, which the kernel must fragment) keeps the verdict path. Partial checksums are completed before protection.
/// One instance per queue thread; nothing is allocated per packet.
/// </summary>
public sealed class SegmentingOutboundHandler : IPacketHandler, IDisposable
{
    private const int SegmentBufferLength = PacketBuffer.DefaultHeadroom + 2048 + PacketBuffer.DefaultTailroom;

    /// <summary>IPv6 header plus a TCP header with the most options: a segment must have room for payload after it.</summary>
    private const int LargestHeaders = 40 + 60;

    private readonly DataPathEngine _engine;
    private readonly RawPacketSender _sender;
    private readonly int _linkMtu;
    private readonly int _maxOverhead;
    private readonly byte[][] _segments;
    private readonly PacketBuffer _buffer = new(capacity: 0);
    private int _segmentsInUse;
    private long _superPackets;
    private long _segmentsSent;
    private long _unsegmentable;

    /// <param name="engine">Decides and protects each packet or segment.</param>
    /// <param name="sender">Sends the protected packets; owned by this handler.</param>
    /// <param name="linkMtu">MTU of the link the protected packets leave on.</param>
    /// <param name="maxOverhead">Bytes protection may add (<see cref="NetfilterRuleSet.MaxOverhead"/>): segments leave this much room.</param>
    public SegmentingOutboundHandler(DataPathEngine engine, RawPacketSender sender, int linkMtu, int maxOverhead)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(linkMtu, 2048);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(linkMtu - maxOverhead, LargestHeaders, nameof(maxOverhead));
        _engine = engine;
        _sender = sender;
        _linkMtu = linkMtu;
        _maxOverhead = maxOverhead;
        _segments = new byte[sender.Capacity][];
        for (var i = 0; i < _segments.Length; i++)
        {
            _segments[i] = GC.AllocateArray<byte>(SegmentBufferLength, pinned: true);
        }
    }

    /// <summary>GSO super-packets received and segmented.</summary>
    public long SuperPackets => Interlocked.Read(ref _superPackets);

    /// <summary>Segments cut from super-packets and handed to the engine.</summary>
    public long Segments => Interlocked.Read(ref _segmentsSent);

    /// <summary>GSO packets that were not IPv4/IPv6 TCP without extension headers: dropped and counted.</summary>
    public long Unsegmentable => Interlocked.Read(ref _unsegmentable);

    public RawPacketSender Sender => _sender;

    public void Handle(PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                ref var packet = ref batch[i];
                if ((packet.Metadata.SkbFlags & SkbFlags.Gso) != 0)
                {
                    Segment(ref packet);
                }
                else
                {
                    HandleSingle(ref packet);
                }
            }
        }
        finally
        {
            // Sends point into the batch's slots and our segment buffers: both are reused after this returns.
            Flush();
        }
    }

    public void Dispose() => _sender.Dispose();

    private void HandleSingle(ref QueuedPacket packet)
    {
        if ((packet.Metadata.SkbFlags & SkbFlags.ChecksumNotReady) != 0)
        {
            TcpSegmentation.TryCompleteChecksum(packet.Data);
        }

        bool isTcp = TcpSegmentation.TryParse(packet.Data, out _);
        _buffer.Attach(packet.Buffer, packet.Offset, packet.Length);
        var verdict = _engine.ProcessOutbound(_buffer);
        switch (verdict.Action)
        {
            case PacketAction.Accept:
                packet.Accept();
                break;
            case PacketAction.AcceptModified when isTcp && _buffer.Length <= _linkMtu:
                if (!_sender.TryAdd(_buffer.Span))
                {
                    Flush();
                    _sender.TryAdd(_buffer.Span);
                }

                packet.Drop();
                break;
            case PacketAction.AcceptModified:
                packet.AcceptModified(_buffer.Offset, _buffer.Length);
                break;
            default:
                packet.Drop();
                break;
        }
    }

    private void Segment(ref QueuedPacket packet)
    {
        packet.Drop();
        var data = packet.Data;
        if (!TcpSegmentation.TryParse(data, out var layout))
        {
            Interlocked.Increment(ref _unsegmentable);
            return;
        }

        int maxPayload = _linkMtu - _maxOverhead - layout.HeaderLength;
        int count = TcpSegmentation.SegmentCount(layout, maxPayload);
        Interlocked.Increment(ref _superPackets);
        for (var index = 0; index < count; index++)
        {
            if (_segmentsInUse == _segments.Length || _sender.Count == _sender.Capacity)
            {
                Flush();
            }

            var room = _segments[_segmentsInUse];
            int length = TcpSegmentation.WriteSegment(data, layout, index, maxPayload, room.AsSpan(PacketBuffer.DefaultHeadroom));
            _buffer.Attach(room, PacketBuffer.DefaultHeadroom, length);
            var verdict = _engine.ProcessOutbound(_buffer);
            Interlocked.Increment(ref _segmentsSent);
            if (verdict.Action is PacketAction.Accept or PacketAction.AcceptModified && _sender.TryAdd(_buffer.Span))
            {
                _segmentsInUse++;
            }
        }
    }

    private void Flush()
    {
        _sender.Flush();
        _segmentsInUse = 0;
    }
}
