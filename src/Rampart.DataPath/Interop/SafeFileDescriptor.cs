using Microsoft.Win32.SafeHandles;

namespace Rampart.DataPath.Interop;

/// <summary>Owns a raw Linux file descriptor (netlink socket, TUN device, namespace file) and closes it once.</summary>
internal sealed class SafeFileDescriptor : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeFileDescriptor()
        : base(ownsHandle: true)
    {
    }

    public SafeFileDescriptor(int fd)
        : base(ownsHandle: true) => SetHandle(fd);

    public int Value => (int)handle;

    /// <summary>Wraps the result of a libc call that returns an fd, throwing with errno when it failed.</summary>
    public static SafeFileDescriptor FromResult(int fd, string what)
    {
        if (fd < 0)
        {
            int errno = Libc.LastError;
            throw new IOException($"{what} failed: {Libc.Describe(errno)}");
        }

        return new SafeFileDescriptor(fd);
    }

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
