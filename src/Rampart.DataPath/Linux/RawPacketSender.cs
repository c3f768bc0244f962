using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Rampart.DataPath.Interop;

namespace Rampart.DataPath.Linux;

/// <summary>
/// Sends whole IP packets (header included) through raw IPPROTO_RAW sockets, many per sendmmsg. Packets are queued
/// with <see cref="TryAdd"/> as pointers into pinned memory and go out, in order, on <see cref="Flush"/>. The kernel
/// routes each by its destination and fills in the IPv4 header checksum. Create it in the network namespace it should
/// send from. Not thread-safe: one per queue thread.
/// </summary>
public sealed unsafe class RawPacketSender : IDisposable
{
    private const int AddressLength = 32;

    private readonly SafeFileDescriptor _ipv4;
    private readonly SafeFileDescriptor _ipv6;
    private readonly Libc.MultiMessageHeader* _messages;
    private readonly Libc.IoVector* _vectors;
    private readonly byte* _addresses;
    private readonly bool[] _isIPv6;
    private int _count;
    private long _sent;
    private long _sendFailures;
    private bool _disposed;

    public RawPacketSender(int capacity = 64, int socketBufferBytes = 8 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _ipv4 = SafeFileDescriptor.FromResult(Libc.Socket(Libc.AfInet, Libc.SockRaw | Libc.SockCloexec, Libc.IpProtocolRaw), "socket(AF_INET, SOCK_RAW, IPPROTO_RAW)");
        _ipv6 = SafeFileDescriptor.FromResult(Libc.Socket(Libc.AfInet6, Libc.SockRaw | Libc.SockCloexec, Libc.IpProtocolRaw), "socket(AF_INET6, SOCK_RAW, IPPROTO_RAW)");
        foreach (var fd in new[] { _ipv4, _ipv6 })
        {
            // A whole 64 KB super-packet's segments go out in one call: the default send buffer would block on it.
            if (Libc.SetSockOpt(fd, Libc.SolSocket, Libc.SoSndBufForce, &socketBufferBytes, sizeof(int)) != 0)
            {
                int errno = Libc.LastError;
                Dispose();
                throw new IOException("SO_SNDBUFFORCE on a raw socket failed: " + Libc.Describe(errno));
            }
        }

        _isIPv6 = new bool[capacity];
        _messages = (Libc.MultiMessageHeader*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(Libc.MultiMessageHeader)));
        _vectors = (Libc.IoVector*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(Libc.IoVector)));
        _addresses = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * AddressLength));
    }

    public int Capacity { get; }

    /// <summary>Packets waiting for <see cref="Flush"/>.</summary>
    public int Count => _count;

    /// <summary>Packets the kernel accepted.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Packets the kernel refused (e.g. no route, too big for the device): dropped and counted.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>
    /// Queues <paramref name="packet"/>, which must live in pinned memory left untouched until <see cref="Flush"/>.
    /// False when full (flush first) or when it is not a whole IPv4/IPv6 header.
    /// </summary>
    public bool TryAdd(ReadOnlySpan<byte> packet)
    {
        if (_count == Capacity || packet.Length < 20)
        {
            return false;
        }

        byte* address = _addresses + _count * AddressLength;
        new Span<byte>(address, AddressLength).Clear();
        int addressLength;
        bool isIPv6 = packet[0] >> 4 == 6;
        if (isIPv6)
        {
            if (packet.Length < 40)
            {
                return false;
            }

            // sockaddr_in6: family, port 0, flow info 0, address at 8.
            *(ushort*)address = Libc.AfInet6;
            packet.Slice(24, 16).CopyTo(new Span<byte>(address + 8, 16));
            addressLength = 28;
        }
        else
        {
            // sockaddr_in: family, port 0, address at 4.
            *(ushort*)address = Libc.AfInet;
            packet.Slice(16, 4).CopyTo(new Span<byte>(address + 4, 4));
            addressLength = 16;
        }

        _vectors[_count] = new Libc.IoVector { Base = Unsafe.AsPointer(ref MemoryMarshal.GetReference(packet)), Length = (nuint)packet.Length };
        ref var header = ref _messages[_count].Header;
        header = default;
        header.Name = address;
        header.NameLength = (uint)addressLength;
        header.Vectors = &_vectors[_count];
        header.VectorCount = 1;
        _isIPv6[_count] = isIPv6;
        _count++;
        return true;
    }

    /// <summary>Sends every queued packet, in order (one sendmmsg per run of the same family).</summary>
    public void Flush()
    {
        int next = 0;
        while (next < _count)
        {
            bool isIPv6 = _isIPv6[next];
            int end = next + 1;
            while (end < _count && _isIPv6[end] == isIPv6)
            {
                end++;
            }

            int sent = Libc.SendMmsg(isIPv6 ? _ipv6 : _ipv4, _messages + next, (uint)(end - next), 0);
            if (sent > 0)
            {
                Interlocked.Add(ref _sent, sent);
                next += sent;
            }
            else if (sent < 0 && Libc.LastError == Libc.EIntr)
            {
                continue;
            }
            else
            {
                // The first packet of the run was refused: count it, drop it and go on with the rest.
                Interlocked.Increment(ref _sendFailures);
                next++;
            }
        }

        _count = 0;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _ipv4?.Dispose();
        _ipv6?.Dispose();
        NativeMemory.Free(_messages);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_addresses);
    }
}
