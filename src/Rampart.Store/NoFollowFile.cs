using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Rampart.Store.Interop;

namespace Rampart.Store;

/// <summary>Opens files in the state directory with O_NOFOLLOW: a symbolic link planted there is refused, never written through.</summary>
public static class NoFollowFile
{
    /// <summary>Opens (creating with <paramref name="createMode"/>) <paramref name="path"/> to append to it.</summary>
    public static FileStream OpenAppend(string path, UnixFileMode createMode)
    {
        var fd = Libc.Open(path, Libc.OWriteOnly | Libc.OCreate | Libc.OAppend | Libc.OCloexec | Libc.ONoFollow, (uint)createMode);
        if (fd < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            throw new IOException(error == Libc.ELoop
                ? $"refusing to write {path}: it is a symbolic link"
                : string.Create(CultureInfo.InvariantCulture, $"cannot open {path}: {Marshal.GetPInvokeErrorMessage(error)}"));
        }

        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write);
    }
}
