using System.Text;
using Rampart.DataPath.Interop;

namespace Rampart.DataPath.Linux;

/// <summary>
/// A layer-3 TUN device (IFF_TUN | IFF_NO_PI): every read returns one whole IP packet the kernel routed to
/// the device, every write injects one as if received on it. For gateway tunnel mode. Character devices have
/// no async I/O in .NET, so use it from a dedicated thread; <see cref="TryRead"/> waits with poll(2) so that
/// thread can stop. Closing the device removes its routes, and traffic then follows other routes in clear:
/// whoever routes secured traffic here must also hold it (blackhole route or netfilter rule) when it goes.
/// </summary>
public sealed unsafe class TunDevice : IDisposable
{
    private const int MaxNameLength = 15;

    private readonly SafeFileDescriptor _fd;

    private TunDevice(SafeFileDescriptor fd, string name)
    {
        _fd = fd;
        Name = name;
    }

    /// <summary>The interface name the kernel gave the device.</summary>
    public string Name { get; }

    /// <summary>Creates (or attaches to) the device <paramref name="name"/> in the calling thread's network namespace.</summary>
    public static TunDevice Open(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Encoding.ASCII.GetByteCount(name) > MaxNameLength)
        {
            throw new ArgumentException($"An interface name has at most {MaxNameLength} characters.", nameof(name));
        }

        var fd = SafeFileDescriptor.FromResult(Libc.Open("/dev/net/tun", Libc.ORdWr | Libc.OCloexec), "open /dev/net/tun");
        try
        {
            var request = default(Libc.InterfaceRequest);
            Encoding.ASCII.GetBytes(name, new Span<byte>(request.Name, MaxNameLength));
            request.Flags = Libc.InterfaceTun | Libc.InterfaceNoPacketInfo;
            if (Libc.Ioctl(fd, Libc.TunSetInterface, &request) != 0)
            {
                throw new IOException($"TUNSETIFF {name} failed: {Libc.Describe(Libc.LastError)}");
            }

            var assigned = new ReadOnlySpan<byte>(request.Name, 16);
            int end = assigned.IndexOf((byte)0);
            return new TunDevice(fd, Encoding.ASCII.GetString(end < 0 ? assigned : assigned[..end]));
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> for a packet and reads it into <paramref name="buffer"/>.
    /// Returns false on timeout.
    /// </summary>
    public bool TryRead(Span<byte> buffer, int timeoutMilliseconds, out int length)
    {
        length = 0;
        var descriptor = new Libc.PollDescriptor { Fd = _fd.Value, Events = Libc.PollIn };
        int ready = Libc.Poll(&descriptor, 1, timeoutMilliseconds);
        if (ready < 0)
        {
            int errno = Libc.LastError;
            return errno == Libc.EIntr ? false : throw new IOException("poll on TUN failed: " + Libc.Describe(errno));
        }

        if (ready == 0)
        {
            return false;
        }

        fixed (byte* pointer = buffer)
        {
            nint read = Libc.Read(_fd, pointer, (nuint)buffer.Length);
            if (read < 0)
            {
                int errno = Libc.LastError;
                return errno is Libc.EAgain or Libc.EIntr ? false : throw new IOException("read from TUN failed: " + Libc.Describe(errno));
            }

            length = (int)read;
            return true;
        }
    }

    /// <summary>Injects one IP packet into the kernel as received on this device.</summary>
    public void Write(ReadOnlySpan<byte> packet)
    {
        fixed (byte* pointer = packet)
        {
            nint written = Libc.Write(_fd, pointer, (nuint)packet.Length);
            if (written != packet.Length)
            {
                throw new IOException("write to TUN failed: " + Libc.Describe(Libc.LastError));
            }
        }
    }

    public void Dispose() => _fd.Dispose();
}
