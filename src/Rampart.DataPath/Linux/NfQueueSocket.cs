using System.Buffers.Binary;
using Rampart.DataPath.Interop;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.DataPath.Linux;

/// <summary>
/// A bound nfnetlink_queue: receives queued packets in batches (recvmmsg) and returns their verdicts in
/// one sendmsg per batch. Configured fail-closed: no FAIL_OPEN (packets are dropped while nobody listens,
/// and the queue disappears with this socket) and no GSO (the kernel segments and completes checksums).
/// Keep it open for the daemon's whole life. As an <see cref="IPacketExit"/> it issues the verdicts of packets the
/// engine held (deferred from their batch) from whichever thread settles them.
/// </summary>
public sealed unsafe class NfQueueSocket : IPacketQueueSocket
{
    private const int VerdictHeaderLength = 64;

    private const int ConfigBufferLength = 128;
    private const int PollMilliseconds = 200;

    private readonly SafeFileDescriptor _fd;
    private uint _sequence;
    private int _releaseSequence;
    private long _received;
    private long _malformed;
    private long _kernelErrors;
    private long _receiveOverruns;
    private long _verdictSendFailures;

    /// <param name="queueNumber">The --queue-num of the NFQUEUE rules.</param>
    /// <param name="maxQueueLength">Packets the kernel holds for us before it drops (fails closed).</param>
    /// <param name="socketBufferBytes">SO_RCVBUFFORCE / SO_SNDBUFFORCE (needs CAP_NET_ADMIN).</param>
    public NfQueueSocket(ushort queueNumber, uint maxQueueLength = 8192, int socketBufferBytes = 32 << 20)
    {
        QueueNumber = queueNumber;
        _fd = SafeFileDescriptor.FromResult(
            Libc.Socket(Libc.AfNetlink, Libc.SockRaw | Libc.SockCloexec, Libc.NetlinkNetfilter), "socket(AF_NETLINK, NETLINK_NETFILTER)");
        try
        {
            var address = new Libc.NetlinkAddress { Family = Libc.AfNetlink };
            Check(Libc.Bind(_fd, &address, sizeof(Libc.NetlinkAddress)), "bind netlink");
            SetOption(Libc.SoRcvBufForce, socketBufferBytes, "SO_RCVBUFFORCE");
            SetOption(Libc.SoSndBufForce, socketBufferBytes, "SO_SNDBUFFORCE");
            var timeout = new Libc.TimeValue { Microseconds = PollMilliseconds * 1000 };
            Check(Libc.SetSockOpt(_fd, Libc.SolSocket, Libc.SoRcvTimeo, &timeout, sizeof(Libc.TimeValue)), "SO_RCVTIMEO");
            Configure(maxQueueLength);
        }
        catch
        {
            _fd.Dispose();
            throw;
        }
    }

    public ushort QueueNumber { get; }

    /// <summary>Packets received from the kernel.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Messages that did not parse as a queued packet (counted and dropped).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>NLMSG_ERROR replies, e.g. to a verdict for an unknown packet id.</summary>
    public long KernelErrors => Interlocked.Read(ref _kernelErrors);

    /// <summary>ENOBUFS on receive: the socket buffer overflowed and the kernel dropped packets.</summary>
    public long ReceiveOverruns => Interlocked.Read(ref _receiveOverruns);

    public long VerdictSendFailures => Interlocked.Read(ref _verdictSendFailures);

    /// <summary>
    /// Waits up to 200 ms for packets and fills <paramref name="batch"/> with as many as are ready
    /// (up to its capacity). Returns the number of packets; 0 on timeout or after a counted error.
    /// </summary>
    public int Receive(PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.Clear();
        int messages = Libc.RecvMmsg(_fd, batch.ReceiveHeaders, (uint)batch.Capacity, Libc.MsgWaitForOne, null);
        if (messages < 0)
        {
            int errno = Libc.LastError;
            switch (errno)
            {
                case Libc.EAgain or Libc.EIntr:
                    return 0;
                case Libc.ENoBufs:
                    Interlocked.Increment(ref _receiveOverruns);
                    return 0;
                default:
                    ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
                    throw new IOException("recvmmsg on nfqueue failed: " + Libc.Describe(errno));
            }
        }

        for (int slot = 0; slot < messages; slot++)
        {
            var message = batch.Received(slot);
            if (NfQueueProtocol.TryParsePacket(message, out var metadata, out int payloadOffset, out int payloadLength))
            {
                batch.Add(slot, metadata, payloadOffset, payloadLength);
            }
            else if (NfQueueProtocol.TryReadError(message, out _))
            {
                Interlocked.Increment(ref _kernelErrors);
            }
            else
            {
                Interlocked.Increment(ref _malformed);
            }
        }

        Interlocked.Add(ref _received, batch.Count);
        return batch.Count;
    }

    /// <summary>Sends the verdicts of every packet in <paramref name="batch"/> with one sendmsg.</summary>
    public void SendVerdicts(PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return;
        }

        Libc.MessageHeader message;
        if (batch.BuildVerdicts(&message, QueueNumber, ref _sequence) == 0)
        {
            return; // every packet deferred
        }

        var address = new Libc.NetlinkAddress { Family = Libc.AfNetlink };
        message.Name = &address;
        message.NameLength = (uint)sizeof(Libc.NetlinkAddress);
        while (Libc.SendMsg(_fd, &message, 0) < 0)
        {
            int errno = Libc.LastError;
            if (errno == Libc.EIntr)
            {
                continue;
            }

            // The packets stay queued until the socket closes and are then dropped: fail closed.
            Interlocked.Increment(ref _verdictSendFailures);
            ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
            return;
        }
    }

    /// <summary>The verdict of a deferred packet: accepted as <paramref name="packet"/>.</summary>
    public void Release(uint packetId, ReadOnlySpan<byte> packet)
    {
        if (packet.Length is 0 or > NfQueueProtocol.MaxPayloadLength)
        {
            Drop(packetId);
            return;
        }

        SendVerdict(packetId, NfQueueProtocol.VerdictAccept, packet);
    }

    /// <summary>The verdict of a deferred packet: dropped.</summary>
    public void Drop(uint packetId) => SendVerdict(packetId, NfQueueProtocol.VerdictDrop, []);

    public void Dispose() => _fd.Dispose();

    /// <summary>One verdict message, from any thread (each sendmsg is atomic; the queue thread's batches go on meanwhile).</summary>
    private void SendVerdict(uint packetId, uint verdict, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[VerdictHeaderLength];
        header.Clear();
        int length = NfQueueProtocol.MessageHeaderLength;
        NfQueueProtocol.WriteGenericHeader(header[NfQueueProtocol.NetlinkHeaderLength..], 0, QueueNumber);
        var verdictValue = header[(length + NfQueueProtocol.AttributeHeaderLength)..];
        BinaryPrimitives.WriteUInt32BigEndian(verdictValue, verdict);
        BinaryPrimitives.WriteUInt32BigEndian(verdictValue[4..], packetId);
        length += NfQueueProtocol.WriteAttributeHeader(header[length..], NfQueueProtocol.AttributeVerdictHeader, 8);
        if (payload.Length > 0)
        {
            NfQueueProtocol.WriteAttributeHeader(header[length..], NfQueueProtocol.AttributePayload, payload.Length);
            length += NfQueueProtocol.AttributeHeaderLength;
        }

        int padding = NfQueueProtocol.Align(payload.Length) - payload.Length;
        uint sequence = (uint)Interlocked.Increment(ref _releaseSequence) | 0x8000_0000; // apart from the batch thread's numbers
        NfQueueProtocol.WriteNetlinkHeader(header, length + payload.Length + padding, NfQueueProtocol.MessageVerdict, NfQueueProtocol.FlagRequest, sequence);
        uint zero = 0;
        fixed (byte* headerPointer = header)
        fixed (byte* payloadPointer = payload)
        {
            var vectors = stackalloc Libc.IoVector[3];
            vectors[0] = new Libc.IoVector { Base = headerPointer, Length = (nuint)length };
            int count = 1;
            if (payload.Length > 0)
            {
                vectors[count++] = new Libc.IoVector { Base = payloadPointer, Length = (nuint)payload.Length };
                if (padding > 0)
                {
                    vectors[count++] = new Libc.IoVector { Base = &zero, Length = (nuint)padding };
                }
            }

            var address = new Libc.NetlinkAddress { Family = Libc.AfNetlink };
            var message = new Libc.MessageHeader { Name = &address, NameLength = (uint)sizeof(Libc.NetlinkAddress), Vectors = vectors, VectorCount = (nuint)count };
            while (Libc.SendMsg(_fd, &message, 0) < 0)
            {
                if (Libc.LastError == Libc.EIntr)
                {
                    continue;
                }

                // The packet stays queued until the socket closes and is then dropped: fail closed.
                Interlocked.Increment(ref _verdictSendFailures);
                return;
            }
        }
    }

    private void Configure(uint maxQueueLength)
    {
        Span<byte> buffer = stackalloc byte[ConfigBufferLength];

        int length = BeginConfig(buffer);
        int value = length + NfQueueProtocol.AttributeHeaderLength;
        buffer[value] = NfQueueProtocol.CommandBind;
        buffer[value + 1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(value + 2)..], 0);
        length += NfQueueProtocol.WriteAttributeHeader(buffer[length..], NfQueueProtocol.ConfigCommand, 4);
        SendConfig(buffer, length, "bind queue");

        length = BeginConfig(buffer);
        length += NfQueueProtocol.WriteUInt32Attribute(buffer[length..], NfQueueProtocol.ConfigFlags, 0);
        length += NfQueueProtocol.WriteUInt32Attribute(buffer[length..], NfQueueProtocol.ConfigMask, NfQueueProtocol.FlagFailOpen | NfQueueProtocol.FlagGso);
        SendConfig(buffer, length, "clear FAIL_OPEN and GSO");

        length = BeginConfig(buffer);
        length += NfQueueProtocol.WriteUInt32Attribute(buffer[length..], NfQueueProtocol.ConfigQueueMaxLength, maxQueueLength);
        SendConfig(buffer, length, "queue maxlen");

        // Copy mode last: until it is PACKET the kernel drops what it would queue, which is fail-closed.
        length = BeginConfig(buffer);
        value = length + NfQueueProtocol.AttributeHeaderLength;
        BinaryPrimitives.WriteUInt32BigEndian(buffer[value..], 0xffff);
        buffer[value + 4] = NfQueueProtocol.CopyPacket;
        length += NfQueueProtocol.WriteAttributeHeader(buffer[length..], NfQueueProtocol.ConfigParameters, 5);
        SendConfig(buffer, length, "copy mode packet");
    }

    private int BeginConfig(Span<byte> buffer)
    {
        buffer.Clear();
        NfQueueProtocol.WriteGenericHeader(buffer[NfQueueProtocol.NetlinkHeaderLength..], 0, QueueNumber);
        return NfQueueProtocol.MessageHeaderLength;
    }

    private void SendConfig(Span<byte> buffer, int length, string what)
    {
        uint sequence = ++_sequence;
        NfQueueProtocol.WriteNetlinkHeader(buffer, length, NfQueueProtocol.MessageConfig, NfQueueProtocol.FlagRequest | NfQueueProtocol.FlagAck, sequence);
        fixed (byte* pointer = buffer)
        {
            if (Libc.Send(_fd, pointer, (nuint)length, 0) != length)
            {
                throw new IOException($"nfqueue {what}: send failed: {Libc.Describe(Libc.LastError)}");
            }
        }

        Span<byte> reply = stackalloc byte[512];
        fixed (byte* pointer = reply)
        {
            while (true)
            {
                nint received = Libc.Recv(_fd, pointer, (nuint)reply.Length, 0);
                if (received < 0)
                {
                    throw new IOException($"nfqueue {what}: no acknowledgement: {Libc.Describe(Libc.LastError)}");
                }

                var message = reply[..(int)received];
                if (NfQueueProtocol.TryReadError(message, out int errno)
                    && BinaryPrimitives.ReadUInt32LittleEndian(message[8..]) == sequence)
                {
                    if (errno != 0)
                    {
                        throw new IOException($"nfqueue {what} refused by the kernel: {Libc.Describe(errno)}");
                    }

                    return;
                }
            }
        }
    }

    private void SetOption(int option, int value, string what) =>
        Check(Libc.SetSockOpt(_fd, Libc.SolSocket, option, &value, sizeof(int)), what);

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new IOException($"{what} failed: {Libc.Describe(Libc.LastError)}");
        }
    }
}
