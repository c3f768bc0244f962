using System.Runtime.InteropServices;

namespace Rampart.Store.Interop;

/// <summary>
/// The libc calls the state directory checks need: .NET can neither tell a file's owner nor open a file without
/// following a symbolic link.
/// </summary>
internal static unsafe partial class Libc
{
    private const string LibraryName = "libc";

    public const int AtCurrentDirectory = -100;
    public const int AtSymlinkNoFollow = 0x100;

    // STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID
    public const uint StatxBasics = 0x1 | 0x2 | 0x8 | 0x10;

    public const int OWriteOnly = 0x1;
    public const int OCreate = 0x40;
    public const int OAppend = 0x400;
    public const int OCloexec = 0x80000;

    public const int ELoop = 40;

    // The one open flag whose value differs between the architectures .NET runs on.
    public static int ONoFollow => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    /// <summary>statx(2) fills a buffer of the same layout on every architecture (unlike stat(2)); 256 bytes.</summary>
    [LibraryImport(LibraryName, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(LibraryName, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport(LibraryName, EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUid();

    [LibraryImport(LibraryName, EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint RealPath(string path, nint resolved);

    [LibraryImport(LibraryName, EntryPoint = "free")]
    public static partial void Free(nint pointer);
}
