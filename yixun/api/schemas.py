from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str


class FieldErrorOut(Schema):
    location: list[str | int]
    message: str


class ValidationErrorOut(ErrorOut):
    errors: list[FieldErrorOut]
