using System.Globalization;
using System.Runtime.InteropServices;
using Rampart.Store.Interop;

namespace Rampart.Store;

/// <summary>
/// Makes sure nobody but root (or the caller itself, when it is not root) controls the state directory before
/// anything in it is read or written: the directory and every directory above it must be owned by root or the
/// caller, and must not be writable by group or others (above it, the sticky bit makes that safe, as on /tmp);
/// nothing in it may be a symbolic link. Once that holds, nobody else can plant a link or swap a file in it.
/// </summary>
public static class StateDirectory
{
    private const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode WritableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>The effective user id of this process (0 for root).</summary>
    public static uint CallerId => Libc.GetEffectiveUid();

    /// <summary>Creates the state directory (0700) if it is missing, refuses it if it is unsafe; returns its full path.</summary>
    public static string Prepare(string home)
    {
        var full = Path.GetFullPath(home);
        CheckAncestors(full);
        if (FileStatus.Of(full) is null)
        {
            Directory.CreateDirectory(full, PrivateDirectoryMode);
        }

        CheckDirectory(full, full);
        return full;
    }

    /// <summary>Refuses an unsafe state directory without creating it; a missing one passes (there is nothing in it to trust).</summary>
    public static string Check(string home)
    {
        var full = Path.GetFullPath(home);
        CheckAncestors(full);
        if (FileStatus.Of(full) is not null)
        {
            CheckDirectory(full, full);
        }

        return full;
    }

    /// <summary>Refuses a subdirectory (such as <c>trace</c>) that is unsafe; a missing one passes.</summary>
    public static void CheckSubdirectory(string home, string directory)
    {
        if (FileStatus.Of(directory) is not null)
        {
            CheckDirectory(home, directory);
        }
    }

    /// <summary>Refuses a path that exists but is not a regular file, above all a symbolic link planted there.</summary>
    public static void RefuseNonRegularFile(string home, string path)
    {
        var status = FileStatus.Of(path);
        if (status is { IsSymbolicLink: true })
        {
            throw Refuse(home, $"{path} is a symbolic link (to {new FileInfo(path).LinkTarget}); remove it");
        }

        if (status is { IsRegularFile: false })
        {
            throw Refuse(home, $"{path} is not a regular file; remove it");
        }
    }

    /// <summary>Refuses the directory if any entry in it is a symbolic link.</summary>
    public static void RefuseLinksIn(string home, string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            if (FileStatus.Of(entry) is { IsSymbolicLink: true })
            {
                throw Refuse(home, $"{entry} is a symbolic link (to {new FileInfo(entry).LinkTarget}); remove it");
            }
        }
    }

    /// <summary>Whether the caller is root or owns the state directory, so it may read and write the files in it.</summary>
    public static bool CallerOwns(string home)
    {
        var caller = CallerId;
        return caller == 0 || FileStatus.Of(Path.GetFullPath(home)) is { } status && status.OwnerId == caller;
    }

    private static void CheckDirectory(string home, string directory)
    {
        var status = FileStatus.Of(directory)!.Value;
        if (status.IsSymbolicLink)
        {
            throw Refuse(home, $"{Name(home, directory)} is a symbolic link (to {new FileInfo(directory).LinkTarget}); use the directory itself");
        }

        if (!status.IsDirectory)
        {
            throw Refuse(home, $"{Name(home, directory)} is not a directory");
        }

        if (!IsTrustedOwner(status.OwnerId))
        {
            throw Refuse(home, $"{Name(home, directory)} is owned by uid {status.OwnerId}, {NotTrusted()}; run chown root: {directory}");
        }

        if ((status.Mode & WritableByOthers) != 0)
        {
            throw Refuse(home, $"{Name(home, directory)} is writable by group or others (mode {status.OctalMode}); run chmod 700 {directory}");
        }
    }

    // Whoever may write a directory above the home could rename the home away and put one of their own in its place.
    private static void CheckAncestors(string home)
    {
        var existing = Path.GetDirectoryName(home);
        while (existing is not null && FileStatus.Of(existing) is null)
        {
            existing = Path.GetDirectoryName(existing);
        }

        if (existing is null)
        {
            return;
        }

        for (var directory = RealPath(existing); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            var status = FileStatus.Of(directory) ?? throw new IOException($"{directory} disappeared while checking {home}");
            if (!IsTrustedOwner(status.OwnerId))
            {
                throw Refuse(home, $"the directory above it, {directory}, is owned by uid {status.OwnerId}, {NotTrusted()}");
            }

            if ((status.Mode & WritableByOthers) != 0 && (status.Mode & UnixFileMode.StickyBit) == 0)
            {
                throw Refuse(home, $"the directory above it, {directory}, is writable by group or others (mode {status.OctalMode}) without the sticky bit");
            }
        }
    }

    private static bool IsTrustedOwner(uint owner) => owner == 0 || owner == CallerId;

    private static string NotTrusted() => CallerId == 0
        ? "not root"
        : string.Create(CultureInfo.InvariantCulture, $"neither root nor you (uid {CallerId})");

    private static string Name(string home, string directory) => directory == home ? "it" : directory;

    private static UnsafeStateDirectoryException Refuse(string home, string problem) =>
        new($"refusing {StoreLocation.HomeVariable} {home}: {problem}");

    private static string RealPath(string path)
    {
        var resolved = Libc.RealPath(path, 0);
        if (resolved == 0)
        {
            throw new IOException($"cannot resolve {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved)!;
        }
        finally
        {
            Libc.Free(resolved);
        }
    }
}
