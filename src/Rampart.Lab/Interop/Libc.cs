using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Rampart.Lab.Interop;

/// <summary>The one system call the lab makes itself: entering a network namespace.</summary>
internal static partial class Libc
{
    public const int CloneNewNet = 0x4000_0000;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(SafeFileHandle fd, int namespaceType);
}
