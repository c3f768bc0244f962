using System.Globalization;
using System.Runtime.InteropServices;

namespace Rampart.Credentials.Certificates.Interop;

/// <summary>fsync(2) on a directory, so a rename in it survives a power cut: .NET cannot open a directory for that.</summary>
internal static partial class DirectorySync
{
    private const int OReadOnly = 0;
    private const int ODirectory = 0x10000;
    private const int OCloexec = 0x80000;

    public static void Flush(string directory)
    {
        var fd = Open(directory, OReadOnly | ODirectory | OCloexec, 0);
        if (fd < 0)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"cannot open {directory}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}"));
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException(string.Create(CultureInfo.InvariantCulture, $"cannot flush {directory}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}"));
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
