using System.Globalization;
using System.Runtime.InteropServices;
using Rampart.Store.Interop;

namespace Rampart.Store;

/// <summary>What lstat tells of a path (a symbolic link is described, not followed): type, permission bits, owner.</summary>
public readonly record struct FileStatus(uint Type, UnixFileMode Mode, uint OwnerId, uint GroupId)
{
    private const uint TypeMask = 0xF000;
    private const uint DirectoryType = 0x4000;
    private const uint RegularType = 0x8000;
    private const uint LinkType = 0xA000;

    public bool IsDirectory => Type == DirectoryType;

    public bool IsRegularFile => Type == RegularType;

    public bool IsSymbolicLink => Type == LinkType;

    /// <summary>The permission bits as chmod writes them, e.g. <c>0777</c>.</summary>
    public string OctalMode => "0" + Convert.ToString((int)Mode, 8);

    /// <summary>The status of <paramref name="path"/>, or null when nothing is there.</summary>
    public static unsafe FileStatus? Of(string path)
    {
        var buffer = stackalloc byte[256];
        if (Libc.Statx(Libc.AtCurrentDirectory, path, Libc.AtSymlinkNoFollow, Libc.StatxBasics, buffer) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error is 2 or 20
                ? null // ENOENT, ENOTDIR
                : throw new IOException(string.Create(CultureInfo.InvariantCulture, $"cannot examine {path}: {Marshal.GetPInvokeErrorMessage(error)}"));
        }

        // struct statx: stx_uid at 20, stx_gid at 24, stx_mode (16 bits) at 28.
        var uid = *(uint*)(buffer + 20);
        var gid = *(uint*)(buffer + 24);
        var mode = *(ushort*)(buffer + 28);
        return new FileStatus(mode & TypeMask, (UnixFileMode)(mode & 0xFFF), uid, gid);
    }
}
