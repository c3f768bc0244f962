using System.Text;

namespace Rampart.Agent.Tracing;

/// <summary>
/// One size-limited trace file. When the agent starts, the previous run's file is kept as <c>NAME.last</c> and a
/// new one begins (as Oakley.log and ipsecpa.log did); when the file reaches <see cref="MaximumBytes"/> it is moved to
/// <c>NAME.bak</c> and a new one begins, so a trace never holds more than twice the limit on disk.
/// <see cref="WriteLine"/> only queues the line: a background writer appends what is queued and flushes it to the file
/// at once, so the IKE loop makes no system call per trace line. <see cref="Flush"/> writes what is queued now;
/// <see cref="Dispose"/> and switching the trace off flush first, so only a crash can lose the last lines.
/// </summary>
public sealed class TraceFile : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Lock _queueGate = new();
    private readonly SemaphoreSlim _queued = new(0);
    private readonly Thread _writer;
    private List<string> _queue = [];
    private List<string> _spare = [];
    private volatile bool _disposed;
    private volatile bool _enabled;
    private FileStream? _stream;

    public TraceFile(string path, long maximumBytes, bool enabled)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumBytes, 1024);
        Path = path;
        MaximumBytes = maximumBytes;
        if (File.Exists(path))
        {
            File.Move(path, path + ".last", overwrite: true);
        }

        _enabled = enabled;
        _writer = new Thread(WriteQueued) { IsBackground = true, Name = "Trace writer" };
        _writer.Start();
    }

    public string Path { get; }

    public long MaximumBytes { get; }

    public bool Enabled
    {
        get => _enabled;
        set
        {
            lock (_gate)
            {
                if (!value)
                {
                    // Lines queued while the trace was on still belong in it.
                    Flush();
                    _stream?.Dispose();
                    _stream = null;
                }

                _enabled = value;
            }
        }
    }

    public void WriteLine(string line)
    {
        if (!_enabled || _disposed)
        {
            return;
        }

        lock (_queueGate)
        {
            _queue.Add(line);
        }

        _queued.Release();
    }

    /// <summary>Writes every queued line to the file now (the background writer does this on its own).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            List<string> batch;
            lock (_queueGate)
            {
                if (_queue.Count == 0)
                {
                    return;
                }

                batch = _queue;
                _queue = _spare;
                _spare = batch;
            }

            Append(batch);
            batch.Clear();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _queued.Release();
        _writer.Join();
        lock (_gate)
        {
            Flush();
            _stream?.Dispose();
            _stream = null;
        }

        _queued.Dispose();
    }

    private void WriteQueued()
    {
        while (true)
        {
            _queued.Wait();
            if (_disposed)
            {
                return;
            }

            // Lines queued while the previous batch was being written go together in this one.
            Flush();
        }
    }

    // Under _gate.
    private void Append(List<string> lines)
    {
        if (!_enabled)
        {
            return;
        }

        foreach (var line in lines)
        {
            var bytes = Encoding.UTF8.GetBytes(line + "\n");
            _stream ??= Open();
            if (_stream.Length > 0 && _stream.Length + bytes.Length > MaximumBytes)
            {
                _stream.Dispose();
                File.Move(Path, Path + ".bak", overwrite: true);
                _stream = Open();
            }

            _stream.Write(bytes);
        }

        _stream?.Flush();
    }

    private FileStream Open() => new(Path, new FileStreamOptions
    {
        Mode = FileMode.Append,
        Access = FileAccess.Write,
        Share = FileShare.Read,
        UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
    });
}
