using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Rampart.Agent.Interop;

/// <summary>
/// <c>sendmsg(2)</c> with an <c>IP_PKTINFO</c> / <c>IPV6_PKTINFO</c> control message, so a datagram sent from a socket
/// bound to the wildcard address leaves from a chosen local address (the one the peer's request came to). .NET's
/// <c>SendTo</c> cannot choose it: the kernel would take the route's preferred source, which on a host with several
/// addresses is not the address the peer talks to.
/// </summary>
internal static unsafe partial class PacketInfoSender
{
    private const int SolIp = 0;
    private const int IpPacketInfo = 8;
    private const int SolIpv6 = 41;
    private const int Ipv6PacketInfo = 50;
    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;
    private const int ControlHeaderLength = 16;

    /// <summary>Sends <paramref name="datagram"/> to <paramref name="remote"/> from <paramref name="local"/> (same address family).</summary>
    public static void Send(Socket socket, ReadOnlySpan<byte> datagram, IPEndPoint remote, IPAddress local)
    {
        var v6 = remote.AddressFamily == AddressFamily.InterNetworkV6;

        // sockaddr_in (16 bytes) or sockaddr_in6 (28): family in host order, port big-endian, then the address.
        Span<byte> name = stackalloc byte[28];
        name.Clear();
        MemoryMarshal.Write(name, v6 ? AfInet6 : AfInet);
        BinaryPrimitives.WriteUInt16BigEndian(name[2..], (ushort)remote.Port);
        remote.Address.TryWriteBytes(name[(v6 ? 8 : 4)..], out _);
        if (v6)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(name[24..], (uint)remote.Address.ScopeId);
        }

        // One cmsghdr (length, level, type) followed by in_pktinfo { ifindex, spec_dst, addr } or in6_pktinfo { addr, ifindex }.
        var dataLength = v6 ? 20 : 12;
        Span<byte> control = stackalloc byte[ControlHeaderLength + 24];
        control.Clear();
        MemoryMarshal.Write(control, (nuint)(ControlHeaderLength + dataLength));
        MemoryMarshal.Write(control[8..], v6 ? SolIpv6 : SolIp);
        MemoryMarshal.Write(control[12..], v6 ? Ipv6PacketInfo : IpPacketInfo);
        local.TryWriteBytes(control[(ControlHeaderLength + (v6 ? 0 : 4))..], out _);
        var controlLength = ControlHeaderLength + ((dataLength + 7) & ~7);

        var added = false;
        socket.SafeHandle.DangerousAddRef(ref added);
        try
        {
            fixed (byte* data = datagram)
            fixed (byte* namePointer = name)
            fixed (byte* controlPointer = control)
            {
                var vector = new IoVector { Base = data, Length = (nuint)datagram.Length };
                var header = new MessageHeader
                {
                    Name = namePointer,
                    NameLength = (uint)(v6 ? 28 : 16),
                    Vector = &vector,
                    VectorLength = 1,
                    Control = controlPointer,
                    ControlLength = (nuint)controlLength,
                };
                if (SendMessage(socket.SafeHandle.DangerousGetHandle(), &header, 0) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    throw new SocketException(errno, $"sendmsg to {remote} from {local} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
                }
            }
        }
        finally
        {
            if (added)
            {
                socket.SafeHandle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMessage(nint socket, MessageHeader* message, int flags);

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public byte* Name;
        public uint NameLength;
        public IoVector* Vector;
        public nuint VectorLength;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }
}
