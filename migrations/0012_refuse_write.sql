-- A write made as one statement, outside any explicit transaction (a cash checkout: cart, orders,
-- stock and emails at once), cannot look at its own results and then decide to roll back. It calls
-- this instead when one of its guards failed: the error aborts the statement, so its implicit
-- transaction writes nothing. `reason` says which guard (the caller maps it to its answer), `detail`
-- what the caller needs to word it (e.g. the listings whose stock was taken).
CREATE FUNCTION refuse_write(reason text, detail text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'MV409', MESSAGE = reason, DETAIL = coalesce(detail, '');
END
$$;
