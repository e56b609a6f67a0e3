/** The example as a module: it needs the core only; the backends come in as automatic modules. */
module org.sigbatch.examples {
    requires org.sigbatch.core;
}
